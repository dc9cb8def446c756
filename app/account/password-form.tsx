"use client";
// Change my password; works without JavaScript too.
import { useActionState } from "react";
import { FormMessage } from "../form-message";
import { changePasswordAction, type PasswordState } from "./actions";

export function PasswordForm({ minLength }: { minLength: number }) {
  const [state, formAction, pending] = useActionState<PasswordState, FormData>(changePasswordAction, { message: null, ok: false });
  return (
    <form action={formAction} className="form" data-testid="password-form">
      <label htmlFor="current">Current password</label>
      <input id="current" name="current" type="password" autoComplete="current-password" required />
      <label htmlFor="next">New password (at least {minLength} characters)</label>
      <input id="next" name="next" type="password" autoComplete="new-password" minLength={minLength} required />
      <label htmlFor="repeat">New password again</label>
      <input id="repeat" name="repeat" type="password" autoComplete="new-password" required />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}
