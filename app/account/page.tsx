// /account: who I am (and whether my email is confirmed, with a button that
// mails the link), changing my password, signing out everywhere, and my
// personal API tokens.
import Link from "next/link";
import { MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { config } from "@/lib/config";
import { DEFAULT_TOKEN_DAYS, listApiTokens } from "@/lib/api/tokens";
import { SendEmailProofForm } from "../link-forms";
import { signOutEverywhereAction } from "./actions";
import { PasswordForm } from "./password-form";
import { NewTokenForm, RevokeTokenForm } from "./token-forms";
import { LocalTime } from "../local-time";
import { TableScroll } from "../table-scroll";

export default async function AccountPage() {
  const actor = await requireActor("/account");
  const user = await db().user.findUniqueOrThrow({ where: { id: actor.userId }, select: { email: true, name: true, passwordHash: true, emailVerified: true } });
  const tokens = await listApiTokens(db(), actor);
  const now = new Date();
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
          <dd data-testid="email-state">
            {user.email} {user.emailVerified ? <span className="muted">(confirmed)</span> : <strong>(not confirmed)</strong>}
          </dd>
        </dl>
        {!user.emailVerified && (
          <>
            <p className="muted">Until you confirm your address, course staff cannot add you to a course by email, invitations for your address cannot be used, and single sign-on is not linked to this account.</p>
            <SendEmailProofForm returnTo="/account" label="Email me a link to confirm it" />
          </>
        )}
      </section>
      <section className="card">
        <h2>Password</h2>
        {user.passwordHash && <p className="muted">Changing it signs out every other browser signed in as you.</p>}
        {user.passwordHash ? <PasswordForm minLength={MIN_PASSWORD_LENGTH} /> : <p className="muted">You sign in through single sign-on; there is no password to change here.</p>}
      </section>
      <section className="card">
        <h2>Sessions</h2>
        <p className="muted">Signs out every browser signed in as you, this one too. API tokens stay valid; revoke them below.</p>
        <form action={signOutEverywhereAction}>
          <button type="submit" className="button">
            Sign out everywhere
          </button>
        </form>
      </section>
      <section className="card">
        <h2>API tokens</h2>
        <p className="muted">
          For scripts and the command line: send one as <code>Authorization: Bearer lgp_…</code> to <code>/api/v1</code>. Each may make {config().LABGRADE_API_CALLS_PER_MINUTE} calls a minute.
        </p>
        {tokens.length > 0 && (
          <TableScroll label="API tokens">
            <table className="table table-compact" data-testid="tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">May</th>
                  <th scope="col">Starts with</th>
                  <th scope="col">Last used</th>
                  <th scope="col">State</th>
                  <th scope="col" />
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => {
                  const expired = t.expiresAt !== null && t.expiresAt <= now;
                  return (
                    <tr key={t.id}>
                      <td>{t.name}</td>
                      <td>{t.scope === "SUBMIT" ? "read, act" : "read"}</td>
                      <td>
                        <code>{t.prefix}…</code>
                      </td>
                      <td>{t.lastUsedAt ? <LocalTime date={t.lastUsedAt} /> : <span className="muted">never</span>}</td>
                      <td>{t.revokedAt ? "revoked" : expired ? "expired" : t.expiresAt ? <LocalTime date={t.expiresAt} prefix="until " /> : "active"}</td>
                      <td>{!t.revokedAt && !expired && <RevokeTokenForm tokenId={t.id} name={t.name} />}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
        )}
        <NewTokenForm defaultDays={DEFAULT_TOKEN_DAYS} />
      </section>
    </>
  );
}
