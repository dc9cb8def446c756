// What a platform admin types to make a course (or a course's copy): its
// short name, title, term and owners' emails. Every problem is reported at
// its field, all at once, so the form can show each beside its input.
import { z } from "zod";
import { normaliseEmail } from "../auth/email.js";
import { StudentError } from "../errors.js";

export const COURSE_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** More owners than this is a roster, not a course's owners: import it on the roster page. */
export const MAX_OWNERS = 20;

export type CourseField = "slug" | "title" | "term" | "owners";

export interface CourseFields {
  slug: string;
  title: string;
  term: string | null;
  /** Normalised, without repeats, in the order given. */
  ownerEmails: string[];
}

/** The form was refused; `problems` says why, by field. */
export class CourseFieldsError extends StudentError {
  constructor(readonly problems: Partial<Record<CourseField, string>>) {
    const count = Object.keys(problems).length;
    super("course.invalid", count === 1 ? Object.values(problems)[0]! : `the course has ${count} problems; each is shown at its field`);
  }
}

const email = z.email();

/** Checks the form's text; throws CourseFieldsError naming every field that is wrong. */
export function checkCourseFields(raw: { slug: string; title: string; term: string; owners: string }): CourseFields {
  const problems: Partial<Record<CourseField, string>> = {};
  const slug = raw.slug.trim();
  if (!COURSE_SLUG_PATTERN.test(slug)) {
    problems.slug = slug === "" ? "give the course a short name (e.g. ds-spring-27)" : `"${slug}" is not a short name: use 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit`;
  }
  const title = raw.title.trim();
  if (title === "") problems.title = "give the course a title";
  else if (title.length > 200) problems.title = "keep the title under 200 characters";
  const term = raw.term.trim();
  if (term.length > 100) problems.term = "keep the term under 100 characters";
  const ownerEmails: string[] = [];
  const bad: string[] = [];
  for (const part of raw.owners.split(/[\s,;]+/)) {
    const address = normaliseEmail(part);
    if (address === "") continue;
    if (!email.safeParse(address).success) bad.push(address);
    else if (!ownerEmails.includes(address)) ownerEmails.push(address);
  }
  if (bad.length > 0) problems.owners = `not email addresses: ${bad.map((b) => `"${b}"`).join(", ")}`;
  else if (ownerEmails.length === 0) problems.owners = "name at least one owner by email (the person who will run the course)";
  else if (ownerEmails.length > MAX_OWNERS) problems.owners = `at most ${MAX_OWNERS} owners; add the rest of the staff on the course's roster page`;
  if (Object.keys(problems).length > 0) throw new CourseFieldsError(problems);
  return { slug, title, term: term === "" ? null : term, ownerEmails };
}
