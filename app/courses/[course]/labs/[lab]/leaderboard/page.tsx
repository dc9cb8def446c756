// /courses/[course]/labs/[lab]/leaderboard: each student's best submission,
// ranked by score, then the lab's tie-breakers, then time. Students see
// pseudonyms (their own row marked); staff also see who each row is.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { ForbiddenError } from "@/lib/errors";
import { leaderboard, TIE_BREAKERS } from "@/lib/leaderboards";
import { formatScore } from "../../../../../format";
import { orNotFound } from "../../../../../or-not-found";
import { PseudonymForm } from "./pseudonym-form";
import { LocalTime } from "../../../../../local-time";
import { TableScroll } from "../../../../../table-scroll";

export default async function LeaderboardPage({ params }: { params: Promise<{ course: string; lab: string }> }) {
  const { course: courseSlug, lab: labSlug } = await params;
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
            <TableScroll label="Leaderboard">
              <table className="table" data-testid="leaderboard">
                <thead>
                  <tr>
                    <th scope="col" className="numeric">
                      #
                    </th>
                    <th scope="col">Student</th>
                    <th scope="col" className="numeric">
                      Score
                    </th>
                    {tieBreakers.map((t) => (
                      <th key={t} scope="col" className="numeric">
                        {TIE_BREAKERS[t]}
                      </th>
                    ))}
                    <th scope="col">Submitted</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={r.pseudonym} className={r.isMe ? "row-me" : undefined}>
                      <td className="numeric">{r.rank}</td>
                      <td>
                        {r.submissionId ? <Link href={`/submissions/${r.submissionId}`}>{r.pseudonym}</Link> : r.pseudonym}
                        {r.isMe && <span className="tag">you</span>}
                        {r.student && <span className="muted"> {r.student.name ?? r.student.email}</span>}
                      </td>
                      <td className="numeric">{formatScore(r.finalScore, r.maxScore)}</td>
                      {tieBreakers.map((t) => (
                        <td key={t} className="numeric">
                          {r.figures[t] ?? "–"}
                        </td>
                      ))}
                      <td><LocalTime date={r.submittedAt} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
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
