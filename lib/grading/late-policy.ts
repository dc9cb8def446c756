// The late policy: what a late submission's score is worth. The due date is
// the student's own: the later of the lab's and their extension's (an
// extension never brings a deadline forward). The same date decides whether a
// submission is late (createSubmission), how many started days late it is,
// and when after-due results show (visibility.ts), so a student with an
// extension is penalised from their extension, never from the lab's
// original deadline.
import type { Db } from "../db.js";

export interface LatePolicy {
  latePolicy: "REFUSE" | "PENALTY_PER_DAY" | "ACCEPT" | string;
  /** Fraction in [0, 1] taken off per started day late, for PENALTY_PER_DAY. */
  latePenaltyPerDay: number;
}

/** The due date that applies to one student's work on a lab: the later of the lab's and their extension's (null: none). */
export async function dueDateFor(db: Db, lab: { id: string; dueAt: Date | null }, userId: string): Promise<Date | null> {
  const extension = await db.extension.findUnique({ where: { labId_userId: { labId: lab.id, userId } }, select: { dueAt: true } });
  if (!extension) return lab.dueAt;
  return lab.dueAt && lab.dueAt > extension.dueAt ? lab.dueAt : extension.dueAt;
}

/** Started days after the due date (0 when on time). */
export function daysLate(submittedAt: Date, dueAt: Date | null): number {
  if (!dueAt || submittedAt <= dueAt) return 0;
  return Math.ceil((submittedAt.getTime() - dueAt.getTime()) / 86_400_000);
}

/** The score after the late policy, for work submitted at `submittedAt` against the student's own due date. */
export function scoreAfterLatePolicy(score: number, policy: LatePolicy, submittedAt: Date, dueAt: Date | null): number {
  if (policy.latePolicy !== "PENALTY_PER_DAY") return score;
  const days = daysLate(submittedAt, dueAt);
  return days === 0 ? score : Math.max(0, score * (1 - policy.latePenaltyPerDay * days));
}
