"use client";
// Staff grant a student an extension from the lab page; works without JavaScript too.
// A refused grant keeps what was typed and shows the problem at its field.
import { useActionState } from "react";
import { FormMessage } from "../../../../form-message";
import { FieldProblem, fieldAria, typed } from "../../../../form-fields";
import { grantExtensionAction, type ExtensionState } from "./actions";

export function ExtensionForm({ courseSlug, labSlug }: { courseSlug: string; labSlug: string }) {
  const [state, formAction, pending] = useActionState<ExtensionState, FormData>(grantExtensionAction, { message: null, ok: false });
  return (
    <form key={JSON.stringify(state.values ?? null)} action={formAction} className="form" data-testid="extension-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <label htmlFor="extension-email">Student&apos;s email</label>
      <input id="extension-email" name="studentEmail" type="email" required defaultValue={typed(state, "studentEmail", "")} {...fieldAria(state, "studentEmail", "extension-email")} />
      <FieldProblem state={state} name="studentEmail" id="extension-email" />
      <label htmlFor="extension-due">New due date (UTC)</label>
      <input id="extension-due" name="dueAt" type="datetime-local" required defaultValue={typed(state, "dueAt", "")} {...fieldAria(state, "dueAt", "extension-due")} />
      <FieldProblem state={state} name="dueAt" id="extension-due" />
      <label htmlFor="extension-reason">Reason (optional)</label>
      <input id="extension-reason" name="reason" type="text" maxLength={500} defaultValue={typed(state, "reason", "")} {...fieldAria(state, "reason", "extension-reason")} />
      <FieldProblem state={state} name="reason" id="extension-reason" />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Granting…" : "Grant extension"}
      </button>
    </form>
  );
}
