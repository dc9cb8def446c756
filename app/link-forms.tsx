"use client";
// The forms of the pages opened from links (invitations, mailed links, password links).
import { useActionState } from "react";
import { IDLE, type ActionState } from "./action-state";
import { FormMessage } from "./form-message";
import { completeSignUpAction, confirmEmailAction, joinCourseAction, requestSignUpAction, sendEmailProofAction, setPasswordAction } from "./link-actions";

export function JoinForm({ secret, label }: { secret: string; label: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(joinCourseAction, IDLE);
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="secret" value={secret} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {label}
      </button>
    </form>
  );
}

function PasswordFields() {
  return (
    <>
      <label htmlFor="new-password">Password (at least 10 characters)</label>
      <input id="new-password" name="password" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
      <label htmlFor="repeat-password">The same password again</label>
      <input id="repeat-password" name="repeat" type="password" autoComplete="new-password" required minLength={10} maxLength={1024} />
    </>
  );
}

/** No account yet: the email the sign-up link goes to. */
export function SignUpForm({ secret, email }: { secret: string; email: string | null }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(requestSignUpAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="sign-up">
      <input type="hidden" name="secret" value={secret} />
      <label htmlFor="signup-email">Email</label>
      <input id="signup-email" name="email" type="email" autoComplete="email" required defaultValue={email ?? ""} readOnly={email !== null} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Sending…" : "Email me a link to join"}
      </button>
    </form>
  );
}

/** The mailed sign-up link: name and password, then the account is made and joins. */
export function CompleteSignUpForm({ secret }: { secret: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(completeSignUpAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="complete-sign-up">
      <input type="hidden" name="secret" value={secret} />
      <label htmlFor="signup-name">Your name</label>
      <input id="signup-name" name="name" type="text" autoComplete="name" required maxLength={200} />
      <PasswordFields />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Creating…" : "Create account and join"}
      </button>
    </form>
  );
}

/** A signed-in account asks for a link to its email; it leads back to `returnTo`. */
export function SendEmailProofForm({ returnTo, label }: { returnTo: string; label: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(sendEmailProofAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="send-email-proof">
      <input type="hidden" name="returnTo" value={returnTo} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button" disabled={pending}>
        {pending ? "Sending…" : label}
      </button>
    </form>
  );
}

/** The mailed link, opened while signed in: one button confirms. */
export function ConfirmEmailForm({ secret, email }: { secret: string; email: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(confirmEmailAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="confirm-email">
      <input type="hidden" name="secret" value={secret} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        Confirm {email} is mine
      </button>
    </form>
  );
}

export function SetPasswordForm({ secret }: { secret: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(setPasswordAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="set-password">
      <input type="hidden" name="secret" value={secret} />
      <PasswordFields />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Saving…" : "Set password and sign in"}
      </button>
    </form>
  );
}
