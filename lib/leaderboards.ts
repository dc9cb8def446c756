// A lab's leaderboard: each student's best graded submission, ranked by score
// after the late policy, then by the efficiency figures the staff chose (in
// their order; lower is better), then by who submitted first. Students appear
// under pseudonyms; real names and emails are in the rows only for staff.
// Staff may hide the board from students (Lab.leaderboardVisible) and freeze
// it (Lab.leaderboardFrozenAt: later submissions do not count).
import type { Db } from "./db.js";
import { getLabForMemberOrThrow, isStaff, NOT_A_DRY_RUN, type Actor } from "./courses/access.js";
import { ForbiddenError } from "./errors.js";

/** Efficiency figures a lab may break ties with; all "lower is better". */
export const TIE_BREAKERS = {
  msgsPerOp: "messages per operation",
  p50LatencyMs: "median latency (ms)",
  p99LatencyMs: "p99 latency (ms)",
} as const;
export type TieBreaker = keyof typeof TIE_BREAKERS;
export const isTieBreaker = (name: string): name is TieBreaker => name in TIE_BREAKERS;

export type Figures = Record<TieBreaker, number | null>;

export interface LeaderboardRow {
  rank: number;
  pseudonym: string;
  /** Staff only: who it is. */
  student: { name: string | null; email: string } | null;
  isMe: boolean;
  finalScore: number;
  maxScore: number | null;
  figures: Figures;
  submittedAt: Date;
  submissionId: string | null;
}

interface ResultMetrics {
  operations?: number;
  serverMessages?: number;
  latencyMs?: { p50: number; p99: number } | null;
}

/**
 * A submission's figures from its test results: messages per operation over
 * all tests, the mean of the tests' median latencies, the worst p99.
 */
export function submissionFigures(results: ReadonlyArray<{ metrics: unknown }>): Figures {
  let operations = 0;
  let messages = 0;
  const p50s: number[] = [];
  let p99: number | null = null;
  for (const { metrics } of results) {
    const m = (metrics ?? {}) as ResultMetrics;
    operations += m.operations ?? 0;
    messages += m.serverMessages ?? 0;
    if (m.latencyMs) {
      p50s.push(m.latencyMs.p50);
      p99 = Math.max(p99 ?? 0, m.latencyMs.p99);
    }
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    msgsPerOp: operations > 0 ? round(messages / operations) : null,
    p50LatencyMs: p50s.length > 0 ? round(p50s.reduce((a, b) => a + b, 0) / p50s.length) : null,
    p99LatencyMs: p99,
  };
}

/** Orders two entries: higher score first, then each tie-breaker (lower first, missing last), then earlier. */
export function compareEntries(tieBreakers: readonly TieBreaker[]) {
  return (a: { finalScore: number; figures: Figures; submittedAt: Date }, b: typeof a): number => {
    if (a.finalScore !== b.finalScore) return b.finalScore - a.finalScore;
    for (const t of tieBreakers) {
      const x = a.figures[t];
      const y = b.figures[t];
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return x - y;
    }
    return a.submittedAt.getTime() - b.submittedAt.getTime();
  };
}

export async function leaderboard(db: Db, actor: Actor, courseSlug: string, labSlug: string) {
  const { course, role, lab } = await getLabForMemberOrThrow(db, actor, courseSlug, labSlug);
  const staff = actor.isPlatformAdmin || isStaff(role);
  if (!staff && !lab.leaderboardVisible) throw new ForbiddenError("the staff have hidden this lab's leaderboard");
  const tieBreakers = lab.leaderboardTieBreakers.filter(isTieBreaker);
  const students = await db.membership.findMany({
    where: { courseId: course.id, role: "STUDENT" },
    select: { userId: true, pseudonym: true, user: { select: { name: true, email: true } } },
  });
  // Each student's best score first (one grouped query), then only the submissions that reach it.
  const graded = {
    labId: lab.id,
    userId: { in: students.map((s) => s.userId) },
    status: "GRADED" as const,
    finalScore: { not: null },
    ...NOT_A_DRY_RUN,
    ...(lab.leaderboardFrozenAt ? { createdAt: { lte: lab.leaderboardFrozenAt } } : {}),
  };
  const best = await db.submission.groupBy({ by: ["userId"], where: graded, _max: { finalScore: true } });
  const contenders = await db.submission.findMany({
    where: { ...graded, OR: best.map((b) => ({ userId: b.userId, finalScore: b._max.finalScore! })) },
    select: {
      id: true,
      userId: true,
      finalScore: true,
      maxScore: true,
      createdAt: true,
      jobs: {
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { attempts: { where: { outcome: "GRADED" }, orderBy: { number: "desc" }, take: 1, select: { results: { select: { metrics: true } } } } },
      },
    },
  });
  const order = compareEntries(tieBreakers);
  const entries = contenders
    .map((s) => ({ ...s, finalScore: s.finalScore!, submittedAt: s.createdAt, figures: submissionFigures(s.jobs[0]?.attempts[0]?.results ?? []) }))
    .sort(order);
  const seen = new Set<string>();
  const rows: LeaderboardRow[] = [];
  for (const entry of entries) {
    if (seen.has(entry.userId)) continue;
    seen.add(entry.userId);
    const member = students.find((s) => s.userId === entry.userId)!;
    const previous = rows.at(-1);
    // Equal on everything that ranks: the same place.
    const tied = previous && order(previous, entry) === 0;
    const isMe = entry.userId === actor.userId;
    rows.push({
      rank: tied ? previous.rank : rows.length + 1,
      pseudonym: member.pseudonym ?? "anonymous",
      student: staff ? member.user : null,
      isMe,
      finalScore: entry.finalScore,
      maxScore: entry.maxScore,
      figures: entry.figures,
      submittedAt: entry.submittedAt,
      submissionId: staff || isMe ? entry.id : null,
    });
  }
  const me = students.find((s) => s.userId === actor.userId);
  return { course, lab, staff, tieBreakers, frozenAt: lab.leaderboardFrozenAt, myPseudonym: me?.pseudonym ?? null, rows };
}
