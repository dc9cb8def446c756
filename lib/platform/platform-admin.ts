// The platform's own operations (courses made, copied and archived, every
// course's queue, the runners, the audit log) are for platform admins only.
// Anyone else, a course's owner included, meets "not found": the platform
// pages do not exist for them, exactly as another course's pages do not.
import type { Actor } from "../courses/access.js";
import { NotFoundError } from "../errors.js";

export function requirePlatformAdmin(actor: Actor): void {
  if (!actor.isPlatformAdmin) throw new NotFoundError("page");
}

/** requirePlatformAdmin for a page, which awaits its lookups (app/or-not-found.ts turns the refusal into a 404). */
export async function platformAdminOrThrow(actor: Actor): Promise<Actor> {
  requirePlatformAdmin(actor);
  return actor;
}
