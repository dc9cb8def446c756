// /account: who I am, and changing my password.
import Link from "next/link";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { PasswordForm } from "./password-form";

export default async function AccountPage() {
  const actor = await requireActor("/account");
  const user = await db().user.findUniqueOrThrow({ where: { id: actor.userId }, select: { email: true, name: true, passwordHash: true } });
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link>
      </nav>
      <h1>My account</h1>
      <section className="card">
        <dl className="facts">
          <dt>Name</dt>
          <dd>{user.name ?? <span className="muted">—</span>}</dd>
          <dt>Email</dt>
          <dd>{user.email}</dd>
        </dl>
      </section>
      <section className="card">
        <h2>Password</h2>
        {user.passwordHash ? <PasswordForm minLength={MIN_PASSWORD_LENGTH} /> : <p className="muted">You sign in through single sign-on; there is no password to change here.</p>}
      </section>
    </>
  );
}
