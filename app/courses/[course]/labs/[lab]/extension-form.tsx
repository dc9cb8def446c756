"use client";
// Staff grant a student an extension from the lab page; works without JavaScript too.
import { useActionState } from "react";
import { FormMessage } from "../../../../form-message";
import { grantExtensionAction, type ExtensionState } from "./actions";

export function ExtensionForm({ courseSlug, labSlug }: { courseSlug: string; labSlug: string }) {
  const [state, formAction, pending] = useActionState<ExtensionState, FormData>(grantExtensionAction, { message: null, ok: false });
  return (
    <form action={formAction} className="form" data-testid="extension-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <label htmlFor="extension-email">Student&apos;s email</label>
      <input id="extension-email" name="studentEmail" type="email" required />
      <label htmlFor="extension-due">New due date (UTC)</label>
      <input id="extension-due" name="dueAt" type="datetime-local" required />
      <label htmlFor="extension-reason">Reason (optional)</label>
      <input id="extension-reason" name="reason" type="text" maxLength={500} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Granting…" : "Grant extension"}
      </button>
    </form>
  );
}
