// /courses/[course]: the course's labs, their deadlines and the student's best score.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { isEditor, isStaff, listLabsForMember } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { bestScoresByLab } from "@/lib/submissions/best-scores";
import { formatScore } from "../../format";
import { orNotFound } from "../../or-not-found";
import { LocalTime } from "../../local-time";

export default async function CoursePage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}`);
  const { course, role, labs } = await orNotFound(listLabsForMember(db(), actor, courseSlug));
  const best = await bestScoresByLab(
    db(),
    actor,
    labs.map((lab) => lab.id),
  );
  const now = new Date();
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link>
      </nav>
      <h1>{course.title}</h1>
      {course.term && <p className="muted">{course.term}</p>}
      {course.archivedAt && (
        <p className="card form-note" role="status" data-testid="course-archived">
          This course was archived on <LocalTime date={course.archivedAt} />: it is read-only. Nothing can be submitted or changed in it until a platform admin unarchives it.
        </p>
      )}
      {(isStaff(role) || actor.isPlatformAdmin) && (
        <p className="staff-links">
          <Link href={`/courses/${course.slug}/overview`}>Overview: scores, pass rates, missing work</Link>
          <Link href={`/courses/${course.slug}/grading`}>Grading: queue, runners and regrades</Link>
          <Link href={`/courses/${course.slug}/roster`}>Roster and invitations</Link>
          {(isEditor(role) || actor.isPlatformAdmin) && !course.archivedAt && <Link href={`/courses/${course.slug}/labs/new`}>New lab</Link>}
        </p>
      )}
      {labs.length === 0 ? (
        <p className="card empty-state muted">No labs are published yet.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Lab</th>
              <th scope="col">Due</th>
              <th scope="col" className="numeric">
                My best score
              </th>
            </tr>
          </thead>
          <tbody>
            {labs.map((lab) => {
              const score = best.get(lab.id);
              return (
                <tr key={lab.id}>
                  <td>
                    <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
                    {!lab.published && <span className="tag">draft</span>}
                  </td>
                  <td>
                    {lab.dueAt ? (
                      <time dateTime={lab.dueAt.toISOString()} className={lab.dueAt < now ? "past" : undefined}>
                        <LocalTime date={lab.dueAt} />
                      </time>
                    ) : (
                      <span className="muted">no deadline</span>
                    )}
                  </td>
                  <td className="numeric">
                    {!score ? (
                      <span className="muted">not graded yet</span>
                    ) : score.withheld ? (
                      <span className="muted" title="Some tests are hidden until the staff release the results">
                        withheld
                      </span>
                    ) : (
                      formatScore(score.finalScore, score.maxScore)
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
