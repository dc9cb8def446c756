"use client";
// The student's own pseudonym on leaderboards; works without JavaScript too.
import { useActionState } from "react";
import { IDLE, type ActionState } from "../../../../../action-state";
import { FormMessage } from "../../../../../form-message";
import { pseudonymAction } from "./actions";

export function PseudonymForm({ courseSlug, labSlug, current }: { courseSlug: string; labSlug: string; current: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(pseudonymAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="pseudonym-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <label htmlFor="pseudonym">Your pseudonym (what other students see)</label>
      <input id="pseudonym" name="pseudonym" type="text" required minLength={3} maxLength={40} pattern="[a-zA-Z][a-zA-Z0-9\-]{2,39}" defaultValue={current} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button" disabled={pending}>
        {pending ? "Saving…" : "Change pseudonym"}
      </button>
    </form>
  );
}
