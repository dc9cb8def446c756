// /invite/[token]: an invitation to a course. Signed in: one button joins.
// Otherwise: sign in first (and come back), or create an account here.
import type { Metadata } from "next";
import Link from "next/link";
import { currentActor } from "@/lib/auth/require-actor";
import { invitationBySecret } from "@/lib/courses/invitations";
import { db } from "@/lib/db";
import { JoinForm, SignUpForm } from "../../link-forms";
import { lookUpLink } from "../../link-problem";

export const metadata: Metadata = { title: "Invitation · labgrade", referrer: "no-referrer" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const lookup = await lookUpLink(invitationBySecret(db(), token), "Invitation");
  if ("problem" in lookup) return lookup.problem;
  const invitation = lookup.found;
  const actor = await currentActor();
  const role = invitation.role.toLowerCase();
  return (
    <section className="signin card">
      <h1>Join {invitation.course.title}</h1>
      <p>
        You are invited as {role === "ta" ? "a TA" : `${/^[aeiou]/.test(role) ? "an" : "a"} ${role}`}
        {invitation.email && <> ({invitation.email})</>}.
      </p>
      {actor ? (
        <JoinForm secret={token} label={`Join ${invitation.course.title}`} />
      ) : (
        <>
          <p>
            Have an account? <Link href={`/signin?next=${encodeURIComponent(`/invite/${token}`)}`}>Sign in</Link>, then come back here. Otherwise create one:
          </p>
          <SignUpForm secret={token} email={invitation.email} />
        </>
      )}
    </section>
  );
}
