// /courses/[course]/labs/[lab]/leaderboard: each student's best submission,
// ranked by score, then the lab's tie-breakers, then time. Students see
// pseudonyms (their own row marked); staff also see who each row is.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { ForbiddenError } from "@/lib/errors";
import { BOARD_PLACES, firstPlacesAndMine, leaderboard, TIE_BREAKERS } from "@/lib/leaderboards";
import { formatScore } from "../../../../../format";
import { orNotFound } from "../../../../../or-not-found";
import { LeaderboardTable, type BoardRow } from "./leaderboard-table";
import { PseudonymForm } from "./pseudonym-form";
import { LocalTime } from "../../../../../local-time";

export default async function LeaderboardPage({ params, searchParams }: { params: Promise<{ course: string; lab: string }>; searchParams: Promise<{ all?: string | string[] }> }) {
  const { course: courseSlug, lab: labSlug } = await params;
  const all = (await searchParams).all !== undefined;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}/leaderboard`);
  let board;
  try {
    board = await orNotFound(leaderboard(db(), actor, courseSlug, labSlug));
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    return (
      <>
        <h1>Leaderboard</h1>
        <p className="card empty-state muted">{err.message}</p>
      </>
    );
  }
  const { course, lab, staff, tieBreakers, frozenAt, myPseudonym, rows } = board;
  const shown = all ? rows.map((r) => ({ ...r, afterGap: false })) : firstPlacesAndMine(rows);
  const here = `/courses/${course.slug}/labs/${lab.slug}/leaderboard`;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link> / <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
      </nav>
      <h1>Leaderboard: {lab.title}</h1>
      <p className="muted">
        Each student&apos;s best graded submission, by score
        {tieBreakers.length > 0 && <>, then {tieBreakers.map((t) => TIE_BREAKERS[t]).join(", then ")} (lower is better)</>}, then who submitted first.
        {frozenAt && <> Frozen at <LocalTime date={frozenAt} />: later submissions do not count.</>}
        {staff && !lab.leaderboardVisible && <> Hidden from students.</>}
      </p>
      <div className="lab-layout">
        <section className="card">
          {rows.length === 0 ? (
            <p className="muted">Nobody has a graded submission yet.</p>
          ) : (
            <LeaderboardTable
              figureNames={tieBreakers.map((t) => TIE_BREAKERS[t])}
              rows={shown.map(
                (r): BoardRow => ({
                  rank: r.rank,
                  pseudonym: r.pseudonym,
                  score: formatScore(r.finalScore, r.maxScore),
                  figures: tieBreakers.map((t) => r.figures[t]),
                  submittedAt: r.submittedAt.toISOString(),
                  ...(r.student && { student: r.student.name ?? r.student.email }),
                  ...(r.isMe && { isMe: true }),
                  ...(r.submissionId && { submissionId: r.submissionId }),
                  ...(r.afterGap && { afterGap: true }),
                }),
              )}
            />
          )}
          {rows.length > BOARD_PLACES && (
            <p className="muted" data-testid="board-extent">
              {all ? (
                <>
                  All {rows.length} places. <Link href={here}>Show the first {BOARD_PLACES} and yours</Link>
                </>
              ) : (
                <>
                  The first {BOARD_PLACES} of {rows.length} places{shown.length > BOARD_PLACES ? " and yours" : ""}. <Link href={`${here}?all`}>Show all {rows.length}</Link>
                </>
              )}
            </p>
          )}
        </section>
        {myPseudonym !== null && (
          <aside className="lab-side">
            <section className="card">
              <PseudonymForm courseSlug={course.slug} labSlug={lab.slug} current={myPseudonym} />
            </section>
          </aside>
        )}
      </div>
    </>
  );
}
