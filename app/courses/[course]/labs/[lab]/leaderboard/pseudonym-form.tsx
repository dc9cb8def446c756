"use client";
// The student's own pseudonym on leaderboards; works without JavaScript too.
// The rule is stated under the field; a refused name stays typed, its problem at the field.
import { useActionState } from "react";
import { IDLE, type ActionState } from "../../../../../action-state";
import { FormMessage } from "../../../../../form-message";
import { FieldProblem, fieldAria, typed } from "../../../../../form-fields";
import { pseudonymAction } from "./actions";

export function PseudonymForm({ courseSlug, labSlug, current }: { courseSlug: string; labSlug: string; current: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(pseudonymAction, IDLE);
  return (
    <form key={JSON.stringify(state.values ?? null)} action={formAction} className="form" data-testid="pseudonym-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <label htmlFor="pseudonym">Your pseudonym (what other students see)</label>
      <input
        id="pseudonym"
        name="pseudonym"
        type="text"
        required
        minLength={3}
        maxLength={40}
        pattern="[a-zA-Z][a-zA-Z0-9\-]{2,39}"
        title="3 to 40 letters, digits and dashes, starting with a letter"
        defaultValue={typed(state, "pseudonym", current)}
        {...fieldAria(state, "pseudonym", "pseudonym", "pseudonym-rule")}
      />
      <FieldProblem state={state} name="pseudonym" id="pseudonym" />
      <p className="field-hint muted" id="pseudonym-rule">
        3 to 40 letters, digits and dashes, starting with a letter (e.g. quiet-raft); stored in lowercase, and unique in the course.
      </p>
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button" disabled={pending}>
        {pending ? "Saving…" : "Change pseudonym"}
      </button>
    </form>
  );
}
