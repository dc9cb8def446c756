"use client";
// The submission page's "Cancel grading" button; works without JavaScript too.
import { useActionState } from "react";
import { FormMessage } from "../../form-message";
import { cancelGrading, type CancelState } from "./actions";

export function CancelForm({ submissionId }: { submissionId: string }) {
  const [state, formAction, pending] = useActionState<CancelState, FormData>(cancelGrading, { message: null, ok: false });
  return (
    <form action={formAction} className="form form-inline" data-testid="cancel-form">
      <input type="hidden" name="submissionId" value={submissionId} />
      <button type="submit" className="button" disabled={pending || state.ok}>
        {pending ? "Cancelling…" : "Cancel grading"}
      </button>
      <FormMessage message={state.message} ok={state.ok} />
    </form>
  );
}
