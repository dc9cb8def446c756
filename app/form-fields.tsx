// Problems shown at the field they are about, and what was typed kept when
// the server refuses a form. An action returns `fieldErrors` and `values`
// (action-state.ts); the form reads each field's typed value back and marks
// a refused field aria-invalid, described by its problem (and its hint).
import type { z } from "zod";
import type { ActionState } from "./action-state";

/** The form's text fields as typed (files and Next's own fields left out). */
export function typedValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of formData.entries()) if (typeof value === "string" && !name.startsWith("$ACTION")) values[name] = value;
  return values;
}

/**
 * A schema's complaints by the form's field name (the first for each field);
 * `rename` maps a schema key to the field it came from, `reword` gives words
 * for zod's own type messages ("Invalid input: expected number, received NaN").
 */
export function issuesByField(error: z.ZodError, rename: Record<string, string> = {}, reword: (field: string) => string = () => "Check this field"): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "");
    const field = rename[key] ?? key;
    if (field in problems) continue;
    problems[field] = issue.message.startsWith("Invalid input") ? reword(field) : issue.message;
  }
  return problems;
}

/** "2 problems, shown at their fields" for a form's alert. */
export function problemsSummary(what: string, fieldErrors: Record<string, string>): string {
  const count = Object.keys(fieldErrors).length;
  return `${what}: ${count === 1 ? "one problem, shown at its field" : `${count} problems, shown at their fields`}.`;
}

/** The field's typed value after a refusal, else `fallback`. */
export function typed(state: ActionState, name: string, fallback: string): string {
  return state.values?.[name] ?? fallback;
}

/** A checkbox's state after a refusal (a box left unticked is absent from the form). */
export function typedChecked(state: ActionState, name: string, fallback: boolean): boolean {
  return state.values ? state.values[name] === "on" : fallback;
}

/** aria-invalid and aria-describedby for the input `id` (field `name`), with its hint's id if it has one. */
export function fieldAria(state: ActionState, name: string, id: string, hintId?: string) {
  const invalid = state.fieldErrors?.[name] !== undefined;
  const describedBy = [invalid ? `${id}-problem` : null, hintId ?? null].filter((x) => x !== null).join(" ");
  return { "aria-invalid": invalid || undefined, "aria-describedby": describedBy || undefined };
}

/** The field's problem, under it, or nothing. */
export function FieldProblem({ state, name, id }: { state: ActionState; name: string; id: string }) {
  const problem = state.fieldErrors?.[name];
  if (!problem) return null;
  return (
    <p className="field-problem" id={`${id}-problem`}>
      {problem}
    </p>
  );
}
