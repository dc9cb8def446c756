// Personal API tokens: made and revoked on the account page, shown once,
// stored as sha256 only, scoped READ (look) or SUBMIT (look and submit),
// optionally expiring. A request's token is checked on every call, so a
// revocation takes effect at the next request.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { sha256 } from "../blobs.js";
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError, StudentError } from "../errors.js";
import type { TokenScope } from "../generated/prisma/enums.js";

export const TOKEN_PREFIX = "lgp_";
export const MAX_ACTIVE_TOKENS = 20;
/** lastUsedAt is written at most this often per token (a busy script would otherwise write on every call). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The expiry the account page's form offers for a new token, in days. */
export const DEFAULT_TOKEN_DAYS = 90;

export const newTokenSchema = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. the laptop or script that uses it)").max(100, "Keep the name under 100 characters"),
  scope: z.enum(["READ", "SUBMIT"], { message: "Choose what the token may do" }),
  /** null: never expires. */
  expiresInDays: z.number().int("Days is a whole number").min(1, "At least a day").max(365, "At most a year").nullable(),
});

export async function createApiToken(db: Db, actor: Actor, raw: z.infer<typeof newTokenSchema>, now = new Date()) {
  const input = newTokenSchema.parse(raw);
  const active = await db.apiToken.count({ where: { userId: actor.userId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] } });
  if (active >= MAX_ACTIVE_TOKENS) throw new StudentError("token.too_many", `you have ${active} active tokens; revoke one first`);
  const token = `${TOKEN_PREFIX}${randomBytes(30).toString("base64url")}`;
  const row = await db.apiToken.create({
    data: {
      userId: actor.userId,
      name: input.name,
      scope: input.scope,
      tokenHash: sha256(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      expiresAt: input.expiresInDays === null ? null : new Date(now.getTime() + input.expiresInDays * 24 * 3600_000),
    },
    select: { id: true, name: true, scope: true, prefix: true, expiresAt: true },
  });
  return { token, ...row };
}

export async function listApiTokens(db: Db, actor: Actor) {
  return db.apiToken.findMany({
    where: { userId: actor.userId },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    select: { id: true, name: true, scope: true, prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true },
  });
}

export async function revokeApiToken(db: Db, actor: Actor, tokenId: string, now = new Date()) {
  const { count } = await db.apiToken.updateMany({ where: { id: tokenId, userId: actor.userId, revokedAt: null }, data: { revokedAt: now } });
  if (count === 0) throw new NotFoundError("token");
}

export interface TokenActor {
  actor: Actor;
  tokenId: string;
  scope: TokenScope;
}

/** The actor behind an `Authorization: Bearer lgp_…` header, or null (missing, unknown, revoked or expired). */
export async function authenticateApiToken(db: Db, authorization: string | null, now = new Date()): Promise<TokenActor | null> {
  const token = /^Bearer\s+(lgp_[A-Za-z0-9_-]{20,100})\s*$/.exec(authorization ?? "")?.[1];
  if (!token) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: sha256(token) },
    select: { id: true, scope: true, revokedAt: true, expiresAt: true, lastUsedAt: true, user: { select: { id: true, isPlatformAdmin: true } } },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { actor: { userId: row.user.id, isPlatformAdmin: row.user.isPlatformAdmin }, tokenId: row.id, scope: row.scope };
}
