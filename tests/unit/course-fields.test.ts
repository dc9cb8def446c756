// The course form's fields as a platform admin types them: every problem at
// its field at once, owners' emails normalised and without repeats.
import { describe, expect, it } from "vitest";
import { checkCourseFields, CourseFieldsError, MAX_OWNERS } from "../../lib/platform/course-fields.js";

const problems = (raw: Parameters<typeof checkCourseFields>[0]) => {
  try {
    checkCourseFields(raw);
  } catch (err) {
    if (err instanceof CourseFieldsError) return err.problems;
    throw err;
  }
  return null;
};

describe("course fields", () => {
  it("reads owners separated by commas, spaces, semicolons or lines, normalised, each once", () => {
    expect(checkCourseFields({ slug: " ds-s27 ", title: " Distributed Systems ", term: "", owners: "Ada@Uni.edu,grace@uni.edu\n ada@uni.edu; alan@uni.edu " })).toEqual({
      slug: "ds-s27",
      title: "Distributed Systems",
      term: null,
      ownerEmails: ["ada@uni.edu", "grace@uni.edu", "alan@uni.edu"],
    });
  });

  it("names every wrong field at once", () => {
    expect(problems({ slug: "-ds", title: "", term: "x".repeat(101), owners: "ada@uni.edu, ada-at-uni" })).toEqual({
      slug: expect.stringContaining('"-ds" is not a short name'),
      title: "give the course a title",
      term: "keep the term under 100 characters",
      owners: 'not email addresses: "ada-at-uni"',
    });
    expect(problems({ slug: "", title: "T", term: "", owners: " , " })).toEqual({ slug: expect.stringContaining("give the course a short name"), owners: expect.stringContaining("at least one owner") });
  });

  it("refuses more owners than a course's owners, pointing at the roster", () => {
    const owners = Array.from({ length: MAX_OWNERS + 1 }, (_, i) => `o${i}@uni.edu`).join(",");
    expect(problems({ slug: "ds", title: "T", term: "", owners })).toEqual({ owners: expect.stringContaining("roster page") });
    expect(new CourseFieldsError({ title: "give the course a title" }).message).toBe("give the course a title");
    expect(new CourseFieldsError({ title: "a", slug: "b" }).message).toBe("the course has 2 problems; each is shown at its field");
  });
});
