// What a server action's form shows after a submission (shared by the forms,
// which run in the browser, and the actions; see action-result.ts for the one
// place that turns the domain's refusals into it).

export interface ActionState {
  message: string | null;
  ok: boolean;
  /** Problems by line, for the suite editor and roster import. */
  problems?: Array<{ line: number | null; message: string }>;
  /** Problems by the form's field name, each shown at its field (form-fields.tsx). */
  fieldErrors?: Record<string, string>;
  /** What was typed, by field name, so a refused form shows it again. */
  values?: Record<string, string>;
}

export const IDLE: ActionState = { message: null, ok: false };

/** A message from the domain ("the lab is closed") as a sentence's start ("The lab is closed"). */
export function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}
