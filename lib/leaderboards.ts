// A lab's leaderboard: each student's best graded submission, ranked by score
// after the late policy, then by the efficiency figures the staff chose (in
// their order; lower is better), then by who submitted first. Students appear
// under pseudonyms; real names and emails are in the rows only for staff.
// Staff may hide the board from students (Lab.leaderboardVisible) and freeze
// it (Lab.leaderboardFrozenAt: later submissions do not count).
//
// Each student's entry (their best submission and its figures) is kept in
// LeaderboardEntry as gradings are recorded (recordLeaderboardEntry, in the
// transaction that records the outcome), so a view reads one row per student
// rather than every graded submission. The entries are chosen under the lab's
// freeze and tie-breakers, noted in LeaderboardBasis; when staff change those,
// the next view rebuilds the lab's entries from the submissions.
import { Prisma, type Db, type Tx } from "./db.js";
import { isStaff, memberLabWhere, reachableLabOrThrow, roleIn, type Actor } from "./courses/access.js";
import { ForbiddenError } from "./errors.js";
import { countsWithScoreSql } from "./submissions/counted-score.js";
import { deadlinePassed, isShown, resultsReleased } from "./submissions/visibility.js";
import { MAY_WITHHOLD } from "./submissions/withheld-scores.js";

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

/** What the database adds up over a submission's latest graded attempt (see contendersOf). */
export interface ResultSums {
  operations: number | null;
  messages: number | null;
  /** Mean of the tests' median latencies; worst of their p99s. */
  meanP50: number | null;
  worstP99: number | null;
}

/** Messages per operation over all tests, the mean median latency, the worst p99 (rounded to 0.01). */
export function figuresFrom(sums: ResultSums): Figures {
  const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);
  return {
    // No count (a native-mode lab, or a run whose counters could not be read) is no figure, not zero.
    msgsPerOp: sums.operations && sums.messages !== null ? round(sums.messages / sums.operations) : null,
    p50LatencyMs: round(sums.meanP50),
    p99LatencyMs: round(sums.worstP99),
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

/** Published suite versions with a test whose results may be withheld from students: the only specs a view reads. */
const WITHHOLDING_VERSIONS = { where: { publishedAt: { not: null }, ...MAY_WITHHOLD }, select: { spec: true } };

/** A student's entry on the lab, with what the board shows of them (the name and email are for staff). */
interface StudentEntry {
  userId: string;
  submissionId: string;
  finalScore: number;
  maxScore: number | null;
  submittedAt: Date;
  msgsPerOp: number | null;
  p50LatencyMs: number | null;
  p99LatencyMs: number | null;
  pseudonym: string | null;
  /** Staff only (null for students). */
  name: string | null;
  email: string | null;
}

/**
 * The entries of the course's students on the lab: one flat query (one row
 * per entry, no nested JSON), since every view of the board asks it. Staff's
 * own entries and those of people who left the course are not on the board.
 */
function studentEntries(db: Db, courseId: string, labId: string, staff: boolean): Promise<StudentEntry[]> {
  // Who each student is only for staff: students see pseudonyms, and the join is not made for them.
  const who = staff ? Prisma.sql`u.name, u.email` : Prisma.sql`NULL AS name, NULL AS email`;
  const users = staff ? Prisma.sql`JOIN "User" u ON u.id = e."userId"` : Prisma.empty;
  return db.$queryRaw<StudentEntry[]>`
    SELECT e."userId", e."submissionId", e."finalScore", e."maxScore", e."submittedAt", e."msgsPerOp", e."p50LatencyMs", e."p99LatencyMs", m.pseudonym, ${who}
    FROM "LeaderboardEntry" e
    JOIN "Membership" m ON m."courseId" = ${courseId} AND m."userId" = e."userId" AND m.role = 'STUDENT'
    ${users}
    WHERE e."labId" = ${labId}`;
}

/**
 * The board as the actor may see it: one query reads the lab, the actor's
 * role, the entries' basis and the suite versions that may withhold scores; a
 * second the students' entries (after rebuilding them, when the lab's rules
 * changed since they were chosen).
 */
export async function leaderboard(db: Db, actor: Actor, courseSlug: string, labSlug: string) {
  const found = await db.lab.findFirst({
    where: memberLabWhere(actor, courseSlug, labSlug),
    // Only what the board needs: every column read is parsed again on every view.
    select: {
      id: true,
      slug: true,
      title: true,
      published: true,
      dueAt: true,
      resultsReleasedAt: true,
      leaderboardVisible: true,
      leaderboardFrozenAt: true,
      leaderboardTieBreakers: true,
      course: { select: { id: true, slug: true, title: true, memberships: { where: { userId: actor.userId }, select: { role: true, pseudonym: true } } } },
      leaderboardBasis: { select: { frozenAt: true, tieBreakers: true } },
      suiteVersions: WITHHOLDING_VERSIONS,
    },
  });
  const me = found?.course.memberships[0];
  const role = roleIn(actor, me);
  const { course: read, leaderboardBasis, suiteVersions, ...lab } = await reachableLabOrThrow(db, actor, courseSlug, found, role);
  const { memberships: _mine, ...course } = read;
  const staff = actor.isPlatformAdmin || isStaff(role);
  if (!staff && !lab.leaderboardVisible) throw new ForbiddenError("The course staff have hidden this lab's leaderboard.");
  if (!staff && withholdsScores(lab, suiteVersions)) {
    throw new ForbiddenError("This lab has hidden tests: its leaderboard opens when the staff release the results (scores would tell who passed them).");
  }
  await ensureEntriesBuilt(db, lab, leaderboardBasis);
  const tieBreakers = lab.leaderboardTieBreakers.filter(isTieBreaker);
  const order = compareEntries(tieBreakers);
  const entries = (await studentEntries(db, course.id, lab.id, staff))
    .map((e) => ({ ...e, figures: { msgsPerOp: e.msgsPerOp, p50LatencyMs: e.p50LatencyMs, p99LatencyMs: e.p99LatencyMs } }))
    .sort(order);
  const rows: LeaderboardRow[] = [];
  for (const entry of entries) {
    const previous = rows.at(-1);
    // Equal on everything that ranks: the same place.
    const tied = previous && order(previous, entry) === 0;
    const isMe = entry.userId === actor.userId;
    rows.push({
      rank: tied ? previous.rank : rows.length + 1,
      pseudonym: entry.pseudonym ?? "anonymous",
      student: staff ? { name: entry.name, email: entry.email ?? "" } : null,
      isMe,
      finalScore: entry.finalScore,
      maxScore: entry.maxScore,
      figures: entry.figures,
      submittedAt: entry.submittedAt,
      submissionId: staff || isMe ? entry.submissionId : null,
    });
  }
  const myPseudonym = me?.role === "STUDENT" ? me.pseudonym : null;
  return { course, lab, staff, tieBreakers, frozenAt: lab.leaderboardFrozenAt, myPseudonym, rows };
}

/** Places a board shows unless the reader asks for all of them. */
export const BOARD_PLACES = 20;

/**
 * The rows a board shows by default: the first `places` and the reader's own
 * wherever it is, so a course of hundreds is neither a wall of anonymous rows
 * nor hundreds of rows rendered on every view. `afterGap` marks a row that
 * follows rows left out.
 */
export function firstPlacesAndMine<R extends { isMe: boolean }>(rows: R[], places = BOARD_PLACES): Array<R & { afterGap: boolean }> {
  const shown: Array<R & { afterGap: boolean }> = [];
  rows.forEach((row, i) => {
    if (i < places || row.isMe) shown.push({ ...row, afterGap: i > 0 && shown.length < i });
  });
  return shown;
}

/**
 * Whether a published suite version of the lab (of those WITHHOLDING_VERSIONS
 * read) has a test whose results students may not see yet (hidden before the
 * release, after_due before the lab's due date): its scores, ranked, would
 * tell who passed it.
 */
function withholdsScores(lab: { dueAt: Date | null; resultsReleasedAt: Date | null }, versions: { spec: unknown }[], now = new Date()): boolean {
  // Any student's view, by the lab's own deadline (extensions are per student; the board is everyone's).
  const state = { staff: false, released: resultsReleased(lab, now), deadlinePassed: deadlinePassed(lab.dueAt, now) };
  if (state.released) return false;
  return versions.some((v) => ((v.spec as { tests?: Array<{ visibility?: string }> }).tests ?? []).some((t) => !isShown(t.visibility ?? "always", state)));
}

/** The rules a lab's entries are chosen under. */
interface Basis {
  frozenAt: Date | null;
  tieBreakers: TieBreaker[];
}

const basisOf = (lab: { leaderboardFrozenAt: Date | null; leaderboardTieBreakers: string[] }): Basis => ({
  frozenAt: lab.leaderboardFrozenAt,
  tieBreakers: lab.leaderboardTieBreakers.filter(isTieBreaker),
});

function sameBasis(a: Basis, b: { frozenAt: Date | null; tieBreakers: string[] }): boolean {
  return a.frozenAt?.getTime() === b.frozenAt?.getTime() && a.tieBreakers.length === b.tieBreakers.length && a.tieBreakers.every((t, i) => t === b.tieBreakers[i]);
}

// Entry writes take the lab's lock shared and the student's exclusively; a
// rebuild takes the lab's exclusively. Advisory locks, held to the end of the
// transaction: the second of two outcomes of one student recorded at once
// reads the first once it is committed, and no outcome is lost to a rebuild.
const lockLabShared = (tx: Tx, labId: string) => tx.$queryRaw`SELECT pg_advisory_xact_lock_shared(hashtext('leaderboard'), hashtext(${labId}))::text`;
const lockLab = (tx: Tx, labId: string) => tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext('leaderboard'), hashtext(${labId}))::text`;
const lockStudent = (tx: Tx, labId: string, userId: string) => tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`leaderboard:${labId}`}), hashtext(${userId}))::text`;

/**
 * Brings the student's entry on the submission's lab up to date after an
 * outcome of the submission was written in `tx` (a grading, a regrade's new
 * score or build failure, a dry run, which never counts). Nothing to do on a
 * lab whose entries were never built or were built under other rules: the next
 * view rebuilds them all.
 */
export async function recordLeaderboardEntry(tx: Tx, submissionId: string): Promise<void> {
  const { userId, lab } = await tx.submission.findUniqueOrThrow({
    where: { id: submissionId },
    select: { userId: true, lab: { select: { id: true, leaderboardFrozenAt: true, leaderboardTieBreakers: true } } },
  });
  await lockLabShared(tx, lab.id);
  const built = await tx.leaderboardBasis.findUnique({ where: { labId: lab.id } });
  const basis = basisOf(lab);
  if (!built || !sameBasis(basis, built)) return;
  await lockStudent(tx, lab.id, userId);
  const [entry] = bestEntries(lab.id, await contendersOf(tx, lab.id, basis, userId), basis);
  if (!entry) {
    await tx.leaderboardEntry.deleteMany({ where: { labId: lab.id, userId } });
    return;
  }
  await tx.leaderboardEntry.upsert({ where: { labId_userId: { labId: lab.id, userId } }, create: entry, update: entry });
}

/**
 * Rebuilds the lab's entries from its submissions when they were built under
 * other rules than the lab's (as just read, with the basis `built` read with
 * it), or never.
 */
async function ensureEntriesBuilt(db: Db, lab: { id: string; leaderboardFrozenAt: Date | null; leaderboardTieBreakers: string[] }, built: { frozenAt: Date | null; tieBreakers: string[] } | null): Promise<void> {
  const labId = lab.id;
  if (built && sameBasis(basisOf(lab), built)) return;
  await db.$transaction(
    async (tx) => {
      await lockLab(tx, labId);
      // Read again under the lock: another view may have rebuilt them meanwhile.
      const now = await tx.lab.findUniqueOrThrow({ where: { id: labId }, select: { leaderboardFrozenAt: true, leaderboardTieBreakers: true } });
      const basis = basisOf(now);
      const again = await tx.leaderboardBasis.findUnique({ where: { labId } });
      if (again && sameBasis(basis, again)) return;
      const entries = bestEntries(labId, await contendersOf(tx, labId, basis), basis);
      await tx.leaderboardEntry.deleteMany({ where: { labId } });
      await tx.leaderboardEntry.createMany({ data: entries });
      const row = { frozenAt: basis.frozenAt, tieBreakers: basis.tieBreakers, builtAt: new Date() };
      await tx.leaderboardBasis.upsert({ where: { labId }, create: { labId, ...row }, update: row });
    },
    { timeout: 60_000 },
  );
}

/** Each student's best contender under the basis, as an entry row. */
function bestEntries(labId: string, contenders: Contender[], basis: Basis): Prisma.LeaderboardEntryCreateManyInput[] {
  const order = compareEntries(basis.tieBreakers);
  const ranked = contenders.map((c) => ({ ...c, figures: figuresFrom(c) })).sort(order);
  const seen = new Set<string>();
  const entries: Prisma.LeaderboardEntryCreateManyInput[] = [];
  for (const c of ranked) {
    if (seen.has(c.userId)) continue;
    seen.add(c.userId);
    entries.push({ labId, userId: c.userId, submissionId: c.id, finalScore: c.finalScore, maxScore: c.maxScore, submittedAt: c.submittedAt, ...c.figures });
  }
  return entries;
}

interface Contender extends ResultSums {
  id: string;
  userId: string;
  finalScore: number;
  maxScore: number | null;
  submittedAt: Date;
}

/**
 * Each student's submissions at their best score (only the earliest one when
 * no figure breaks ties), with the sums of their latest graded attempt's test
 * metrics (one student's, or every student's): one query, so a lab with
 * thousands of submissions at full marks costs one pass over its rows rather
 * than one object per result.
 */
async function contendersOf(db: Db | Tx, labId: string, basis: Basis, userId?: string): Promise<Contender[]> {
  const withFigures = basis.tieBreakers.length > 0;
  const counted = Prisma.sql`s."labId" = ${labId} AND ${countsWithScoreSql}
    ${userId ? Prisma.sql`AND s."userId" = ${userId}` : Prisma.empty}
    AND NOT EXISTS (SELECT 1 FROM "GradingJob" d WHERE d."submissionId" = s.id AND d.kind = 'DRY_RUN')
    ${basis.frozenAt ? Prisma.sql`AND s."createdAt" <= ${basis.frozenAt}` : Prisma.empty}`;
  const rows = await db.$queryRaw<Contender[]>`
    WITH best AS (
      SELECT s."userId", MAX(s."finalScore") AS score FROM "Submission" s WHERE ${counted} GROUP BY s."userId"
    ), contenders AS (
      SELECT ${withFigures ? Prisma.empty : Prisma.sql`DISTINCT ON (s."userId")`} s.id, s."userId", s."finalScore", s."maxScore", s."createdAt"
      FROM "Submission" s JOIN best b ON b."userId" = s."userId" AND s."finalScore" = b.score
      WHERE ${counted}
      ${withFigures ? Prisma.empty : Prisma.sql`ORDER BY s."userId", s."createdAt"`}
    ), latest AS (
      SELECT DISTINCT ON (c.id) c.id AS "submissionId", a.id AS "attemptId"
      FROM contenders c JOIN "GradingJob" j ON j."submissionId" = c.id JOIN "GradingAttempt" a ON a."jobId" = j.id AND a.outcome = 'GRADED'
      ORDER BY c.id, a."finishedAt" DESC NULLS LAST, a.number DESC
    )
    SELECT c.id, c."userId", c."finalScore", c."maxScore", c."createdAt" AS "submittedAt",
      SUM((r.metrics->>'operations')::float8) AS operations,
      CASE WHEN bool_and(r.metrics->>'serverMessages' IS NOT NULL) THEN SUM((r.metrics->>'serverMessages')::float8) END AS messages,
      AVG((r.metrics->'latencyMs'->>'p50')::float8) AS "meanP50",
      MAX((r.metrics->'latencyMs'->>'p99')::float8) AS "worstP99"
    FROM contenders c LEFT JOIN latest l ON l."submissionId" = c.id LEFT JOIN "TestResult" r ON r."attemptId" = l."attemptId"
    GROUP BY c.id, c."userId", c."finalScore", c."maxScore", c."createdAt"`;
  return rows;
}
