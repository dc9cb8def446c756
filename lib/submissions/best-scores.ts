// A student's best result per lab: the highest score after the late policy
// (finalScore) among their GRADED submissions. Only the actor's own
// submissions are read.
import { NOT_A_DRY_RUN, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";

export interface BestScore {
  finalScore: number;
  /** Points possible (the largest over the graded submissions, should suites have changed). */
  maxScore: number | null;
}

export async function bestScoresByLab(db: Db, actor: Actor, labIds: string[]): Promise<Map<string, BestScore>> {
  if (labIds.length === 0) return new Map();
  const rows = await db.submission.groupBy({
    by: ["labId"],
    where: { userId: actor.userId, labId: { in: labIds }, status: "GRADED", finalScore: { not: null }, ...NOT_A_DRY_RUN },
    _max: { finalScore: true, maxScore: true },
  });
  const best = new Map<string, BestScore>();
  for (const row of rows) {
    if (row._max.finalScore !== null) best.set(row.labId, { finalScore: row._max.finalScore, maxScore: row._max.maxScore });
  }
  return best;
}
