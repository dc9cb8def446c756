// A student's best result per lab: the highest score after the late policy
// (finalScore) among their graded submissions (counted-score.ts), or "withheld" while the lab's
// hidden results are (withheld-scores.ts). Only the actor's own submissions
// are read.
import { NOT_A_DRY_RUN, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { COUNTS_WITH_SCORE } from "./counted-score.js";
import { labsWithWithheldScores } from "./withheld-scores.js";

export interface BestScore {
  /** Null while withheld. */
  finalScore: number | null;
  /** Points possible (the largest over the graded submissions, should suites have changed); null while withheld. */
  maxScore: number | null;
  /** Some results of the lab are hidden from the student for now, so the score is too. */
  withheld: boolean;
}

export async function bestScoresByLab(db: Db, actor: Actor, labIds: string[]): Promise<Map<string, BestScore>> {
  if (labIds.length === 0) return new Map();
  const [rows, withheld] = await Promise.all([
    db.submission.groupBy({
      by: ["labId"],
      where: { userId: actor.userId, labId: { in: labIds }, ...COUNTS_WITH_SCORE, ...NOT_A_DRY_RUN },
      _max: { finalScore: true, maxScore: true },
    }),
    labsWithWithheldScores(db, actor, labIds),
  ]);
  const best = new Map<string, BestScore>();
  for (const row of rows) {
    if (row._max.finalScore === null) continue;
    best.set(row.labId, withheld.has(row.labId) ? { finalScore: null, maxScore: null, withheld: true } : { finalScore: row._max.finalScore, maxScore: row._max.maxScore, withheld: false });
  }
  return best;
}
