// The signed-in user as the domain sees them (an Actor), for server
// components, server actions and route handlers. Pages call requireActor(),
// which sends visitors without a session to /signin; route handlers call
// currentActor() and answer 401 themselves. The session is checked against
// its row on every request, and isPlatformAdmin is the database's value as of
// this request (auth.ts's jwt callback reads it there, never from the cookie).
import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import type { Actor } from "../courses/access.js";
import { db } from "../db.js";
import { auth } from "./auth.js";

/** The session, decoded once per request however many components ask (the layout and the page both do). */
export const currentSession = cache(() => auth());

/** Auth.js's session cookie (`__Secure-` over https; `.0`, `.1`… when chunked). */
const SESSION_COOKIE = /^(?:__Secure-)?authjs\.session-token(?:\.\d+)?$/;

export async function currentActor(): Promise<Actor | null> {
  const session = await currentSession();
  const userId = session?.user?.id;
  if (!userId) {
    // Auth.js reads a session whose lookup threw (the database down) as no
    // session at all. With a session cookie sent, ask the database, so an
    // outage is thrown as one (routes answer 503) rather than "sign in first".
    if ((await cookies()).getAll().some((c) => SESSION_COOKIE.test(c.name))) await db().$queryRaw`SELECT 1`;
    return null;
  }
  return { userId, isPlatformAdmin: session.user.isPlatformAdmin === true };
}

/** The signed-in Actor; otherwise redirects to /signin (and back to `returnTo` afterwards). */
export async function requireActor(returnTo?: string): Promise<Actor> {
  const actor = await currentActor();
  if (!actor) redirect(returnTo && returnTo !== "/" ? `/signin?next=${encodeURIComponent(returnTo)}` : "/signin");
  return actor;
}
