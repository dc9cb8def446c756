// /courses/[course]/labs/[lab]: the lab's specification, the submit form with
// the submissions left, and the student's own submissions.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { getLabForMemberOrThrow, isEditor, isStaff, listMySubmissions } from "@/lib/courses/access";
import { listExtensions } from "@/lib/courses/extensions";
import { db } from "@/lib/db";
import { renderLabDescription } from "@/lib/labs/lab-description";
import { submissionLimitState, type SubmissionLimitState } from "@/lib/submissions/create-submission";
import { labsWithWithheldScores } from "@/lib/submissions/withheld-scores";
import { formatDateTime, formatScore, formatWindow } from "../../../../format";
import { orNotFound } from "../../../../or-not-found";
import { StatusBadge } from "../../../../status-badge";
import { ExtensionForm } from "./extension-form";
import { SubmitForm } from "./submit-form";

function limitSummary(limit: SubmissionLimitState, windowSeconds: number | null): { text: string; blocked: string | null } {
  if (limit.limit === null) return { text: "No limit on submissions for this lab.", blocked: null };
  const left = Math.max(0, limit.limit - limit.used);
  const window = windowSeconds ? ` in any ${formatWindow(windowSeconds)}` : "";
  const text = `${left} of ${limit.limit} submissions left${window}.`;
  if (left > 0) return { text, blocked: null };
  const when = limit.nextAllowedAt ? ` You can submit again at ${formatDateTime(limit.nextAllowedAt)}.` : "";
  return { text, blocked: `You have used all your submissions.${when}` };
}

export default async function LabPage({ params }: { params: Promise<{ course: string; lab: string }> }) {
  const { course: courseSlug, lab: labSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}`);
  const { course, role, lab } = await orNotFound(getLabForMemberOrThrow(db(), actor, courseSlug, labSlug));
  const [limit, submissions, withheld] = await Promise.all([
    // Staff submissions never count against a limit (see createSubmission).
    isStaff(role) ? Promise.resolve<SubmissionLimitState>({ limit: null, used: 0, nextAllowedAt: null }) : submissionLimitState(db(), lab, actor.userId),
    listMySubmissions(db(), actor, lab.id),
    labsWithWithheldScores(db(), actor, [lab.id]),
  ]);
  const summary = limitSummary(limit, lab.submissionWindowSeconds);
  const extensions = isStaff(role) ? await listExtensions(db(), actor, course.slug, lab.slug) : null;
  const now = new Date();
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link>
      </nav>
      <h1>{lab.title}</h1>
      {(lab.leaderboardVisible || isStaff(role)) && (
        <p>
          <Link href={`/courses/${course.slug}/labs/${lab.slug}/leaderboard`}>Leaderboard</Link>
        </p>
      )}
      {isStaff(role) && (
        <p className="staff-links">
          {!lab.published && <span className="tag">draft: students do not see it</span>}
          {isEditor(role) && <Link href={`/courses/${course.slug}/labs/${lab.slug}/edit`}>Edit lab</Link>}
          <Link href={`/courses/${course.slug}/labs/${lab.slug}/suite`}>Test suite and dry runs</Link>
        </p>
      )}
      <p className="lab-dates muted">
        {lab.dueAt ? (
          <>
            Due <time dateTime={lab.dueAt.toISOString()}>{formatDateTime(lab.dueAt)}</time>
            {lab.dueAt < now && " (passed)"}
          </>
        ) : (
          "No deadline"
        )}
        {lab.opensAt && lab.opensAt > now && (
          <>
            {" · "}opens <time dateTime={lab.opensAt.toISOString()}>{formatDateTime(lab.opensAt)}</time>
          </>
        )}
      </p>
      <div className="lab-layout">
        <article className="card markdown" dangerouslySetInnerHTML={{ __html: renderLabDescription(lab.description) }} />
        <aside className="lab-side">
          <section className="card">
            <h2>Submit</h2>
            <p className="muted" data-testid="submissions-left">
              {summary.text}
            </p>
            <SubmitForm courseSlug={course.slug} labSlug={lab.slug} maxArchiveBytes={lab.maxArchiveBytes} blockedReason={summary.blocked} />
          </section>
          {extensions && (
            <section className="card">
              <h2>Extensions</h2>
              {extensions.length > 0 && (
                <table className="table table-compact" data-testid="extensions">
                  <thead>
                    <tr>
                      <th scope="col">Student</th>
                      <th scope="col">Due</th>
                    </tr>
                  </thead>
                  <tbody>
                    {extensions.map((e) => (
                      <tr key={e.id}>
                        <td title={e.reason ?? undefined}>{e.user.email}</td>
                        <td>
                          <time dateTime={e.dueAt.toISOString()}>{formatDateTime(e.dueAt)}</time>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <ExtensionForm courseSlug={course.slug} labSlug={lab.slug} />
            </section>
          )}
          <section className="card">
            <h2>My submissions</h2>
            {submissions.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <table className="table table-compact">
                <thead>
                  <tr>
                    <th scope="col">Submitted</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="numeric">
                      Score
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {submissions.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <Link href={`/submissions/${s.id}`}>
                          <time dateTime={s.createdAt.toISOString()}>{formatDateTime(s.createdAt)}</time>
                        </Link>
                        {s.late && <span className="tag tag-warn">late</span>}
                      </td>
                      <td>
                        <StatusBadge status={s.status} score={withheld.has(lab.id) ? null : s.score} maxScore={withheld.has(lab.id) ? null : s.maxScore} />
                      </td>
                      <td className="numeric">{withheld.has(lab.id) && s.score !== null ? <span className="muted">withheld</span> : formatScore(s.score, s.maxScore)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </aside>
      </div>
    </>
  );
}
