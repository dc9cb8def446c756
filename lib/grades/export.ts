// Grade export for a course's staff: one row per student (roster order by
// email), one column per lab with the student's best score after the late
// policy among graded submissions (counted-score.ts: a regrade in flight keeps
// the score it had), then the total. Students without a graded
// submission for a lab get an empty cell, not 0, so "missing" stays visible.
// CSV through csv-stringify (quoting, formula-looking cells included).
import { stringify } from "csv-stringify/sync";
import { getCourseForMemberOrThrow, isStaff, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError } from "../errors.js";
import { COUNTS_WITH_SCORE } from "../submissions/counted-score.js";

export interface GradeTable {
  labs: Array<{ id: string; slug: string; title: string }>;
  rows: Array<{ email: string; name: string | null; scores: Array<number | null>; total: number }>;
}

export async function gradeTable(db: Db, actor: Actor, courseSlug: string): Promise<GradeTable> {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  if (!isStaff(role)) throw new ForbiddenError("only the course's staff may export its grades");
  const [labs, students, best] = await Promise.all([
    db.lab.findMany({ where: { courseId: course.id }, orderBy: [{ dueAt: "asc" }, { title: "asc" }], select: { id: true, slug: true, title: true } }),
    db.membership.findMany({ where: { courseId: course.id, role: "STUDENT" }, select: { user: { select: { id: true, email: true, name: true } } } }),
    db.submission.groupBy({
      by: ["userId", "labId"],
      where: { courseId: course.id, ...COUNTS_WITH_SCORE },
      _max: { finalScore: true },
    }),
  ]);
  const score = new Map(best.map((b) => [`${b.userId}/${b.labId}`, b._max.finalScore]));
  const rows = students
    .map((m) => m.user)
    .sort((a, b) => a.email.localeCompare(b.email))
    .map((u) => {
      const scores = labs.map((l) => score.get(`${u.id}/${l.id}`) ?? null);
      return { email: u.email, name: u.name, scores, total: scores.reduce<number>((sum, s) => sum + (s ?? 0), 0) };
    });
  return { labs, rows };
}

/** A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed with ' so it stays text. */
const neutralise = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);

export function gradeCsv(table: GradeTable): string {
  const round = (n: number) => String(Math.round(n * 100) / 100);
  return stringify([
    ["email", "name", ...table.labs.map((l) => neutralise(l.slug)), "total"],
    ...table.rows.map((r) => [neutralise(r.email), neutralise(r.name ?? ""), ...r.scores.map((s) => (s === null ? "" : round(s))), round(r.total)]),
  ]);
}

/** The CSV as a download named after the course and the day. */
export function gradeCsvResponse(courseSlug: string, csv: string, now = new Date()): Response {
  const day = now.toISOString().slice(0, 10);
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${courseSlug.replace(/[^A-Za-z0-9_-]/g, "_")}-grades-${day}.csv"`,
      "cache-control": "no-store",
    },
  });
}
