// /signin: email and password. Signed-in visitors go straight on.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ssoName } from "@/lib/auth/auth";
import { currentActor } from "@/lib/auth/require-actor";
import { signInWithSso } from "../session-actions";
import { safeReturnPath } from "../return-path";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in · labgrade" };

/** What went wrong with single sign-on, from the code Auth.js or our signIn callback put in the address. */
function ssoProblem(code: string | undefined): string | null {
  if (!code) return null;
  if (code === "sso.unverified_email") return "Your university account did not give a verified email address. Ask your course staff for a password link.";
  if (code === "sso.admin") return "Platform admins sign in with their password.";
  if (code === "sso.unproven_account") return "An account with your email exists but never confirmed the address, so your university sign-in is not linked to it. If it is yours, sign in with its password and confirm the address on your account page; otherwise ask your course staff.";
  if (code === "CredentialsSignin") return null;
  return "Single sign-on did not work. Try again, or sign in with your password.";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[]; error?: string | string[] }> }) {
  const { next, error } = await searchParams;
  const returnTo = safeReturnPath(next);
  if (await currentActor()) redirect(returnTo);
  const sso = ssoName();
  const problem = ssoProblem(typeof error === "string" ? error : undefined);
  return (
    <section className="signin card">
      <h1>Sign in</h1>
      {problem && (
        <p className="form-error" role="alert">
          {problem}
        </p>
      )}
      {sso && (
        <form action={signInWithSso} className="form sso">
          <input type="hidden" name="next" value={returnTo} />
          <button type="submit" className="button button-primary">
            Sign in with {sso}
          </button>
          <p className="muted">Or with the email and password your course staff registered:</p>
        </form>
      )}
      {!sso && <p className="muted">Use the email address your course staff registered.</p>}
      <SignInForm next={returnTo} />
    </section>
  );
}
