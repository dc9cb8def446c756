// The domain's Actor for a seeded user, by email: how tests act as someone.
import type { Actor } from "../../lib/courses/access.js";
import type { Db } from "../../lib/db.js";

export async function actorByEmail(db: Db, email: string): Promise<Actor> {
  const user = await db.user.findUniqueOrThrow({ where: { email } });
  return { userId: user.id, isPlatformAdmin: user.isPlatformAdmin };
}
