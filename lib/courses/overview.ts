// The course at a glance, for its staff: per lab, how the students' best
// scores are spread, who has not submitted yet, and per test how often it
// passes (a test that passes some repetitions of one grading and fails others
// is likely flaky; one that almost never passes may be too hard) and how long
// it runs. Counts come from SQL over the latest graded attempt of every
// submission; dry runs never count. A submission being regraded keeps the
// score it had until the regrade ends.
import { Prisma, type Db } from "../db.js";
import { ForbiddenError } from "../errors.js";
import { getCourseForMemberOrThrow, isStaff, type Actor } from "./access.js";

/** Score buckets, as fractions of the lab's maximum: [from, to); the last is full marks exactly. */
export const SCORE_BUCKETS = [
  { label: "0–20 %", from: 0, to: 0.2 },
  { label: "20–40 %", from: 0.2, to: 0.4 },
  { label: "40–60 %", from: 0.4, to: 0.6 },
  { label: "60–80 %", from: 0.6, to: 0.8 },
  { label: "80–99 %", from: 0.8, to: 1 },
  { label: "full marks", from: 1, to: Infinity },
] as const;

export interface TestFigures {
  labId: string;
  testName: string;
  /** Runs (repetitions) in the latest graded attempt of every submission. */
  runs: number;
  passes: number;
  /** Gradings in which this test passed some repetitions and failed others. */
  mixedGradings: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

/** One student's standing in one lab, for the students × labs grid. */
export type GridCell =
  | { state: "none" }
  /** Submitted, but nothing graded yet (waiting, grading, or only failures of ours). */
  | { state: "ungraded" }
  | { state: "graded"; best: number; max: number | null };

export async function courseOverviewForStaff(db: Db, actor: Actor, courseSlug: string) {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only the course's staff see its overview");
  const [labs, students] = await Promise.all([
    db.lab.findMany({ where: { courseId: course.id }, orderBy: { createdAt: "asc" }, select: { id: true, slug: true, title: true, published: true, dueAt: true } }),
    db.membership.findMany({
      where: { courseId: course.id, role: "STUDENT" },
      select: { user: { select: { id: true, name: true, email: true } } },
      orderBy: { user: { email: "asc" } },
    }),
  ]);
  const notDryRun = Prisma.sql`NOT EXISTS (SELECT 1 FROM "GradingJob" d WHERE d."submissionId" = s.id AND d.kind = 'DRY_RUN')`;
  const [best, submitted, tests] = await Promise.all([
    db.$queryRaw<Array<{ labId: string; userId: string; best: number; max: number | null }>>`
      SELECT s."labId", s."userId", MAX(s."finalScore")::float8 AS best, MAX(s."maxScore")::float8 AS max
      FROM "Submission" s
      WHERE s."courseId" = ${course.id} AND s."finalScore" IS NOT NULL AND ${notDryRun}
      GROUP BY s."labId", s."userId"`,
    db.$queryRaw<Array<{ labId: string; userId: string }>>`
      SELECT DISTINCT s."labId", s."userId" FROM "Submission" s WHERE s."courseId" = ${course.id} AND ${notDryRun}`,
    db.$queryRaw<TestFigures[]>`
      WITH latest AS (
        SELECT DISTINCT ON (s.id) s."labId", a.id AS "attemptId"
        FROM "Submission" s JOIN "GradingJob" j ON j."submissionId" = s.id JOIN "GradingAttempt" a ON a."jobId" = j.id AND a.outcome = 'GRADED'
        WHERE s."courseId" = ${course.id} AND ${notDryRun}
        ORDER BY s.id, a."finishedAt" DESC NULLS LAST, a.number DESC
      ), per_grading AS (
        SELECT l."labId", r."testName", r."attemptId",
          COUNT(*)::int AS runs, (COUNT(*) FILTER (WHERE r.verdict = 'PASS'))::int AS passes,
          SUM(r."durationMs")::float8 AS "totalMs", MAX(r."durationMs")::int AS "maxMs",
          array_agg(r."durationMs") AS durations
        FROM latest l JOIN "TestResult" r ON r."attemptId" = l."attemptId"
        GROUP BY l."labId", r."testName", r."attemptId"
      )
      SELECT g."labId", g."testName", SUM(g.runs)::int AS runs, SUM(g.passes)::int AS passes,
        (COUNT(*) FILTER (WHERE g.passes > 0 AND g.passes < g.runs))::int AS "mixedGradings",
        (SUM(g."totalMs") / SUM(g.runs))::float8 AS "meanMs", MAX(g."maxMs")::int AS "maxMs",
        (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY d) FROM per_grading h, unnest(h.durations) d WHERE h."labId" = g."labId" AND h."testName" = g."testName")::float8 AS "p95Ms"
      FROM per_grading g
      GROUP BY g."labId", g."testName"
      ORDER BY g."labId", g."testName"`,
  ]);

  const perLab = labs.map((lab) => {
    const scores = best.filter((b) => b.labId === lab.id);
    const fraction = (b: { best: number; max: number | null }) => (b.max && b.max > 0 ? b.best / b.max : 0);
    const distribution = SCORE_BUCKETS.map((bucket) => ({ label: bucket.label, students: scores.filter((b) => fraction(b) >= bucket.from && fraction(b) < bucket.to).length }));
    const submitters = new Set(submitted.filter((s) => s.labId === lab.id).map((s) => s.userId));
    const sorted = scores.map(fraction).sort((a, b) => a - b);
    return {
      lab,
      graded: scores.length,
      medianFraction: sorted.length > 0 ? sorted[Math.floor((sorted.length - 1) / 2)]! : null,
      distribution,
      withoutSubmission: students.map((m) => m.user).filter((u) => !submitters.has(u.id)),
      tests: tests.filter((t) => t.labId === lab.id),
    };
  });
  const slowest = [...tests].sort((a, b) => b.p95Ms - a.p95Ms).slice(0, 10);
  // Students × labs, first on the page: who stands where, and who has not submitted, at once.
  const bestOf = new Map(best.map((b) => [`${b.labId}/${b.userId}`, b]));
  const submittedTo = new Set(submitted.map((s) => `${s.labId}/${s.userId}`));
  const grid = students.map(({ user }) => ({
    user,
    cells: labs.map((lab): GridCell => {
      const key = `${lab.id}/${user.id}`;
      const found = bestOf.get(key);
      if (found) return { state: "graded", best: found.best, max: found.max };
      return submittedTo.has(key) ? { state: "ungraded" } : { state: "none" };
    }),
  }));
  return { course, students: students.length, labs: perLab, grid, slowest, labTitle: new Map(labs.map((l) => [l.id, l.title])) };
}

export type CourseOverview = Awaited<ReturnType<typeof courseOverviewForStaff>>;
