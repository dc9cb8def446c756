// /invite/[token]: an invitation to a course. Signed in: one button joins (a
// link addressed to an email first asks that account to confirm the address).
// Otherwise: sign in first (and come back), or have a sign-up link mailed.
import type { Metadata } from "next";
import Link from "next/link";
import { currentActor } from "@/lib/auth/require-actor";
import { invitationBySecret } from "@/lib/courses/invitations";
import { db } from "@/lib/db";
import { JoinForm, SendEmailProofForm, SignUpForm } from "../../link-forms";
import { lookUpLink } from "../../link-problem";

export const metadata: Metadata = { title: "Invitation · labgrade", referrer: "no-referrer" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const lookup = await lookUpLink(invitationBySecret(db(), token), "Invitation");
  if ("problem" in lookup) return lookup.problem;
  const invitation = lookup.found;
  const actor = await currentActor();
  const me = actor ? await db().user.findUnique({ where: { id: actor.userId }, select: { email: true, emailVerified: true } }) : null;
  const role = invitation.role.toLowerCase();
  const mustConfirm = me !== null && invitation.email === me.email && me.emailVerified === null;
  return (
    <section className="signin card">
      <h1>Join {invitation.course.title}</h1>
      <p>
        You are invited as {role === "ta" ? "a TA" : `${/^[aeiou]/.test(role) ? "an" : "a"} ${role}`}
        {invitation.email && <> ({invitation.email})</>}.
      </p>
      {me && mustConfirm && (
        <>
          <p>This invitation is for {invitation.email}. Confirm that the address is yours first: we mail you a link; open it here, then join.</p>
          <SendEmailProofForm returnTo={`/invite/${token}`} label={`Email ${invitation.email} a link`} />
        </>
      )}
      {me && !mustConfirm && <JoinForm secret={token} label={`Join ${invitation.course.title}`} />}
      {!me && (
        <>
          <p>
            Have an account? <Link href={`/signin?next=${encodeURIComponent(`/invite/${token}`)}`}>Sign in</Link>, then come back here. Otherwise we mail you a link to create one:
          </p>
          <SignUpForm secret={token} email={invitation.email} />
        </>
      )}
    </section>
  );
}
