"use client";
// Staff's "Regrade this submission" button on its page; works without JavaScript too.
import { useActionState } from "react";
import { FormMessage } from "../../form-message";
import { regradeOne, type CancelState } from "./actions";

/** `ready`: the submission's grading is over (a regrade waits for it). */
export function RegradeOneForm({ submissionId, courseSlug, labSlug, ready }: { submissionId: string; courseSlug: string; labSlug: string; ready: boolean }) {
  const [state, formAction, pending] = useActionState<CancelState, FormData>(regradeOne, { message: null, ok: false });
  return (
    <form action={formAction} className="form form-inline" data-testid="regrade-one-form">
      <input type="hidden" name="submissionId" value={submissionId} />
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <button type="submit" className="button" disabled={pending || !ready}>
        {pending ? "Queueing…" : "Regrade this submission"}
      </button>
      {!ready && !state.message && <span className="muted">once its grading is over</span>}
      <FormMessage message={state.message} ok={state.ok} />
    </form>
  );
}
