// Signed-in sessions. The cookie is Auth.js's encrypted JWT; it carries the
// user's id and a session id, and each session id has a Session row (keyed by
// its sha256). Every request reads that row with its user (auth.ts's jwt
// callback), so:
//   - a session ends the moment its row is gone: signing out deletes this
//     browser's row, "sign out everywhere" all of the user's, a password
//     change all but the changer's own, a staff password reset all of them;
//   - a missing or expired row, or a missing user, is signed out, and Auth.js
//     clears the cookie;
//   - the platform-admin flag (and name, email) come from the database on
//     every request, never from what the cookie remembered.
// Rows slide forward once a day of use and are swept at the user's next sign-in.
import { randomBytes } from "node:crypto";
import { sha256 } from "../blobs.js";
import type { Actor } from "../courses/access.js";
import type { Db, Tx } from "../db.js";

/** How long a session lasts without use. */
export const SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600;
/** A row's expiry is pushed forward at most this often. */
const SLIDE_AFTER_SECONDS = 24 * 3600;

export interface LiveSession {
  userId: string;
  email: string;
  name: string | null;
  isPlatformAdmin: boolean;
}

const expiry = (now: Date) => new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000);

/** A new session for a user who just signed in; returns the id to put in the cookie. */
export async function startSession(db: Db, userId: string, now = new Date()): Promise<string> {
  const sessionId = randomBytes(32).toString("base64url");
  await db.$transaction([
    db.session.deleteMany({ where: { userId, expires: { lte: now } } }),
    db.session.create({ data: { userId, sessionToken: sha256(sessionId), expires: expiry(now) } }),
  ]);
  return sessionId;
}

/** The session's user as the database has them now, or null when the session has ended. */
export async function readSession(db: Db, sessionId: unknown, now = new Date()): Promise<LiveSession | null> {
  if (typeof sessionId !== "string" || sessionId.length === 0 || sessionId.length > 200) return null;
  const row = await db.session.findUnique({
    where: { sessionToken: sha256(sessionId) },
    select: { id: true, expires: true, user: { select: { id: true, email: true, name: true, isPlatformAdmin: true } } },
  });
  if (!row || row.expires <= now) return null;
  if (row.expires.getTime() - now.getTime() < (SESSION_MAX_AGE_SECONDS - SLIDE_AFTER_SECONDS) * 1000) {
    await db.session.updateMany({ where: { id: row.id }, data: { expires: expiry(now) } });
  }
  return { userId: row.user.id, email: row.user.email, name: row.user.name, isPlatformAdmin: row.user.isPlatformAdmin };
}

/**
 * The live session a decoded cookie names, or null: its row must exist and
 * belong to the cookie's user (auth.ts's jwt callback and require-actor.ts's
 * reader both ask this).
 */
export async function sessionOfToken(db: Db, token: { sub?: unknown; sid?: unknown }): Promise<LiveSession | null> {
  const live = await readSession(db, token.sid);
  return live && live.userId === token.sub ? live : null;
}

/** Ends one session (signing out of this browser). */
export async function endSession(db: Db, sessionId: unknown): Promise<void> {
  if (typeof sessionId !== "string" || sessionId.length === 0) return;
  await db.session.deleteMany({ where: { sessionToken: sha256(sessionId) } });
}

/** Ends every session of a user, but the one named by `keep` (if any); returns how many ended. */
export async function endSessionsOf(db: Db | Tx, userId: string, keep?: string): Promise<number> {
  const { count } = await db.session.deleteMany({ where: { userId, ...(keep ? { sessionToken: { not: sha256(keep) } } : {}) } });
  return count;
}

/** "Sign out everywhere": every browser the actor is signed in on, this one included. */
export async function signOutEverywhere(db: Db, actor: Actor): Promise<number> {
  return endSessionsOf(db, actor.userId);
}
