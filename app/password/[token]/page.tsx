// /password/[token]: set a password from a link the course staff made.
import type { Metadata } from "next";
import { passwordLinkOwner } from "@/lib/auth/password-links";
import { db } from "@/lib/db";
import { SetPasswordForm } from "../../link-forms";
import { lookUpLink } from "../../link-problem";

export const metadata: Metadata = { title: "Set your password · labgrade", referrer: "no-referrer" };

export default async function PasswordLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const lookup = await lookUpLink(passwordLinkOwner(db(), token), "Set your password");
  if ("problem" in lookup) return lookup.problem;
  const owner = lookup.found;
  return (
    <section className="signin card">
      <h1>Set your password</h1>
      <p>
        For <strong>{owner.email}</strong>. The link works once.
      </p>
      <SetPasswordForm secret={token} />
    </section>
  );
}
