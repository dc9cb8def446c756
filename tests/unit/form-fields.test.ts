// A refused form's problems by field and what was typed (app/form-fields.tsx):
// zod's complaints land at the form's own field names, type errors get words
// a person can act on, Next's own fields and files are not "typed values",
// and a field is described by its problem and its hint.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldAria, issuesByField, problemsSummary, typed, typedChecked, typedValues } from "@/app/form-fields";

describe("form fields", () => {
  const schema = z.object({ title: z.string().min(1, "Give the lab a title"), latePenaltyPerDay: z.number().max(1, "At most 100 %"), dueAt: z.date() });

  it("puts each problem at the form's field, the first one per field, with words for type errors", () => {
    const parsed = schema.safeParse({ title: "", latePenaltyPerDay: 2, dueAt: new Date("nope") });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    const problems = issuesByField(parsed.error, { latePenaltyPerDay: "latePenaltyPercent" }, (field) => `Enter a date (${field})`);
    expect(problems).toEqual({ title: "Give the lab a title", latePenaltyPercent: "At most 100 %", dueAt: "Enter a date (dueAt)" });
    expect(problemsSummary("The lab was not saved", problems)).toBe("The lab was not saved: 3 problems, shown at their fields.");
    expect(problemsSummary("The lab was not saved", { title: "x" })).toBe("The lab was not saved: one problem, shown at its field.");
  });

  it("keeps what was typed, leaving out files and Next's own fields", () => {
    const form = new FormData();
    form.set("title", "Native echo");
    form.set("$ACTION_ID_abc", "");
    form.set("archive", new Blob(["x"]), "a.tar");
    form.set("published", "on");
    const values = typedValues(form);
    expect(values).toEqual({ title: "Native echo", published: "on" });
    const state = { message: "refused", ok: false, values, fieldErrors: { title: "Taken" } };
    expect(typed(state, "title", "fallback")).toBe("Native echo");
    expect(typed(state, "description", "fallback")).toBe("fallback");
    expect(typedChecked(state, "published", false)).toBe(true);
    // A box left unticked is absent from what was sent: unticked, whatever it was before.
    expect(typedChecked(state, "leaderboardVisible", true)).toBe(false);
    expect(typedChecked({ message: null, ok: false }, "leaderboardVisible", true)).toBe(true);
  });

  it("marks a refused field invalid, described by its problem and its hint", () => {
    const state = { message: "refused", ok: false, fieldErrors: { title: "Taken" } };
    expect(fieldAria(state, "title", "lab-title", "lab-title-hint")).toEqual({ "aria-invalid": true, "aria-describedby": "lab-title-problem lab-title-hint" });
    expect(fieldAria(state, "dueAt", "lab-due", "lab-due-hint")).toEqual({ "aria-invalid": undefined, "aria-describedby": "lab-due-hint" });
    expect(fieldAria(state, "dueAt", "lab-due")).toEqual({ "aria-invalid": undefined, "aria-describedby": undefined });
  });
});
