// /confirm-email/[token]: a link we mailed. For a sign-up through an
// invitation: choose a name and password, and the account is made and joins.
// For a signed-in account proving its email: confirm with a button, signed in
// as that account (a mail scanner fetching the link proves nothing).
import type { Metadata } from "next";
import Link from "next/link";
import { emailProofOrThrow } from "@/lib/auth/email-proof";
import { currentActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { CompleteSignUpForm, ConfirmEmailForm } from "../../link-forms";
import { lookUpLink } from "../../link-problem";

export const metadata: Metadata = { title: "Confirm your email · labgrade", referrer: "no-referrer" };

export default async function ConfirmEmailPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const lookup = await lookUpLink(emailProofOrThrow(db(), token), "Confirm your email");
  if ("problem" in lookup) return lookup.problem;
  const proof = lookup.found;
  if (proof.invitation) {
    return (
      <section className="signin card">
        <h1>Join {proof.invitation.course.title}</h1>
        <p>
          Your account is <strong>{proof.email}</strong>. Choose your name and a password; the link works once.
        </p>
        <CompleteSignUpForm secret={token} />
      </section>
    );
  }
  const actor = await currentActor();
  const here = `/confirm-email/${token}`;
  return (
    <section className="signin card">
      <h1>Confirm your email</h1>
      {!actor && (
        <p>
          <Link href={`/signin?next=${encodeURIComponent(here)}`}>Sign in</Link> as {proof.email}, then open this link again to confirm the address.
        </p>
      )}
      {actor && actor.userId !== proof.userId && <p role="alert">This link is for the account {proof.email}; sign out, and sign in as that account to confirm it.</p>}
      {actor && actor.userId === proof.userId && (
        <>
          <p>Confirm that you receive mail at {proof.email}.</p>
          <ConfirmEmailForm secret={token} email={proof.email} />
        </>
      )}
    </section>
  );
}
