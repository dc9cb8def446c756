// /password/[token]: set a password from a link the course staff made.
import type { Metadata } from "next";
import { passwordLinkOwner } from "@/lib/auth/password-links";
import { db } from "@/lib/db";
import { StudentError } from "@/lib/errors";
import { SetPasswordForm } from "../../link-forms";
import { orNotFound } from "../../or-not-found";

export const metadata: Metadata = { title: "Set your password · labgrade", referrer: "no-referrer" };

export default async function PasswordLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let owner;
  try {
    owner = await orNotFound(passwordLinkOwner(db(), token));
  } catch (err) {
    if (!(err instanceof StudentError)) throw err;
    return (
      <section className="signin card">
        <h1>Set your password</h1>
        <p role="alert">{err.message.charAt(0).toUpperCase() + err.message.slice(1)}.</p>
      </section>
    );
  }
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
