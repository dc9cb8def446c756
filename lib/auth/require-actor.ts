// The signed-in user as the domain sees them (an Actor), for server
// components, server actions and route handlers. Pages call requireActor(),
// which sends visitors without a session to /signin; route handlers call
// currentActor() and answer 401 themselves. The session is checked against
// its row on every request, and isPlatformAdmin is the database's value as of
// this request (auth.ts's jwt callback reads it there, never from the cookie).
import "server-only";
import type { Session } from "next-auth";
import { decode, type JWT } from "next-auth/jwt";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { config } from "../config.js";
import type { Actor } from "../courses/access.js";
import { db } from "../db.js";
import { sessionOfToken } from "./sessions.js";

/** Auth.js's session cookie: `__Secure-` over https (auth.ts sets useSecureCookies so), `.0`, `.1`… when chunked. */
function sessionCookieName(): string {
  return `${config().AUTH_URL?.startsWith("https://") ? "__Secure-" : ""}authjs.session-token`;
}

async function sessionCookie(): Promise<string | null> {
  const name = sessionCookieName();
  const jar = await cookies();
  const whole = jar.get(name)?.value;
  if (whole) return whole;
  const chunks = jar
    .getAll()
    .map((c) => ({ index: c.name.startsWith(`${name}.`) ? Number(c.name.slice(name.length + 1)) : NaN, value: c.value }))
    .filter((c) => Number.isInteger(c.index))
    .sort((a, b) => a.index - b.index);
  return chunks.length > 0 ? chunks.map((c) => c.value).join("") : null;
}

/** Decoded session cookies, newest last (a Map keeps insertion order), at most DECODED_COOKIES of them. */
const decodedCookies = new Map<string, JWT>();
const DECODED_COOKIES = 10_000;
/** Auth.js's own tolerance on a token's expiry (next-auth/jwt's decode). */
const CLOCK_TOLERANCE_S = 15;

/**
 * A session cookie's token, decoded once per process rather than per request:
 * decoding derives the key (HKDF) and decrypts and verifies the JWE, which
 * cost a signed-in page more than its own session query (bench/web-load.ts).
 * The same cookie always holds the same token, so a cached one differs from a
 * fresh decoding only in the time, and its expiry is checked again on every
 * read. Only cookies that decoded are kept; whether the session is still live
 * is the database's answer on every request (currentSession).
 */
async function decodedCookie(cookie: string, secret: string, salt: string): Promise<JWT | null> {
  const key = `${salt}\n${cookie}`;
  const known = decodedCookies.get(key);
  if (known) {
    if (typeof known.exp === "number" && known.exp + CLOCK_TOLERANCE_S < Date.now() / 1000) {
      decodedCookies.delete(key);
      return null;
    }
    return known;
  }
  const token = await decode({ token: cookie, secret, salt }).catch(() => null);
  if (!token) return null;
  if (decodedCookies.size >= DECODED_COOKIES) decodedCookies.delete(decodedCookies.keys().next().value!);
  decodedCookies.set(key, token);
  return token;
}

/**
 * The session, decoded once per request however many components ask (the
 * layout and the page both do). It is read here, not through Auth.js's
 * auth(), which runs its whole session endpoint per call (a CSRF token, the
 * cookie decoded, then encoded again for a Set-Cookie that a server component
 * cannot send) and cost a page more than its own queries (bench/web-load.ts).
 * The decoding is Auth.js's own (next-auth/jwt: the key, the algorithms, the
 * expiry); the check is its jwt callback's (sessionOfToken). A cookie that
 * does not decode is no session; a database that does not answer throws, so
 * an outage is told as one (routes answer 503), never as "sign in first".
 */
export const currentSession = cache(async (): Promise<Session | null> => {
  const cookie = await sessionCookie();
  if (!cookie) return null;
  const secret = config().AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: the web app cannot read sessions without it (see the README's configuration)");
  const token = await decodedCookie(cookie, secret, sessionCookieName());
  if (!token) return null;
  const live = await sessionOfToken(db(), token);
  if (!live) return null;
  return {
    user: { id: live.userId, name: live.name, email: live.email, isPlatformAdmin: live.isPlatformAdmin },
    sessionId: String(token.sid),
    expires: new Date((token.exp ?? 0) * 1000).toISOString(),
  };
});

export async function currentActor(): Promise<Actor | null> {
  const user = (await currentSession())?.user;
  return user?.id ? { userId: user.id, isPlatformAdmin: user.isPlatformAdmin === true } : null;
}

/** The signed-in Actor; otherwise redirects to /signin (and back to `returnTo` afterwards). */
export async function requireActor(returnTo?: string): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect(returnTo && returnTo !== "/" ? `/signin?next=${encodeURIComponent(returnTo)}` : "/signin");
  return actor;
}
