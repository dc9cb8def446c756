// Who may see which test result, and so which scores: the one rule that the
// submission report, the withheld totals (course page, lab page, API) and
// the leaderboard all apply. Staff of the course and platform admins see
// everything. A student sees `always` tests at once; `after_due` tests once
// their deadline (the later of the lab's and their extension's) has passed;
// and every test once the staff have released the lab's results. A total
// that includes a result the student may not see is withheld with it (it
// would tell whether the hidden test passed).
import { STAFF_ROLES, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";

/** What decides a result's visibility for one viewer of one lab. */
export interface VisibilityState {
  /** The viewer is the course's staff (or a platform admin). */
  staff: boolean;
  /** The staff released the lab's results. */
  released: boolean;
  /** The student's deadline has passed. */
  deadlinePassed: boolean;
}

/** Whether a result of a test with this visibility is shown. */
export function isShown(visibility: string, state: VisibilityState): boolean {
  return state.staff || state.released || visibility === "always" || (visibility === "after_due" && state.deadlinePassed);
}

export function resultsReleased(lab: { resultsReleasedAt: Date | null }, now: Date): boolean {
  return lab.resultsReleasedAt !== null && now >= lab.resultsReleasedAt;
}

export function deadlinePassed(dueAt: Date | null, now: Date): boolean {
  return dueAt !== null && now > dueAt;
}

/** Whether the actor sees a course's results as its staff do. */
export async function seesAsStaff(db: Db, actor: Actor, courseId: string): Promise<boolean> {
  if (actor.isPlatformAdmin) return true;
  return (await db.membership.count({ where: { courseId, userId: actor.userId, role: { in: [...STAFF_ROLES] } } })) > 0;
}
