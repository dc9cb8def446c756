// /courses/[course]/labs/[lab]: the lab's specification, the tests it is
// graded on (points, faults, when results are shown), how to submit from the
// command line, the submit form with the submissions left, and the student's
// own submissions.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { getLabWithMyWorkOrThrow, isEditor, isStaff } from "@/lib/courses/access";
import { listExtensions } from "@/lib/courses/extensions";
import { db } from "@/lib/db";
import { renderLabDescription } from "@/lib/labs/lab-description";
import { submissionLimitFromNewest, submissionLimitState, type SubmissionLimitState } from "@/lib/submissions/create-submission";
import { withheldScoresOf } from "@/lib/submissions/withheld-scores";
import { suiteSpecSchema } from "@/lib/suites/schema";
import { summariseSuite } from "@/lib/suites/test-summary";
import { formatDateTime, formatWindow } from "../../../../format";
import { orNotFound } from "../../../../or-not-found";
import { ExtensionForm } from "./extension-form";
import { MySubmissionsTable } from "./my-submissions";
import { CourseReadOnly } from "../../../../course-read-only";
import { CommandLineCard, TestsCard } from "./lab-cards";
import { NativeModeCard } from "./native-card";
import { SubmitForm } from "./submit-form";
import { LocalTime } from "../../../../local-time";

/** How many of the student's own submissions the page lists, newest first. */
const MY_SUBMISSIONS = 20;

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
  const { course, role, lab, suiteSpec, submissions, mayWithhold } = await orNotFound(getLabWithMyWorkOrThrow(db(), actor, courseSlug, labSlug, MY_SUBMISSIONS));
  const [limit, withheld] = await Promise.all([
    // Staff submissions never count against a limit (see createSubmission). A student's list
    // usually holds every submission in the limit's window, so the limit needs no query of its own.
    isStaff(role)
      ? Promise.resolve<SubmissionLimitState>({ limit: null, used: 0, nextAllowedAt: null })
      : (submissionLimitFromNewest(lab, submissions, MY_SUBMISSIONS) ?? submissionLimitState(db(), lab, actor.userId)),
    mayWithhold ? withheldScoresOf(db(), actor, [lab.id]) : new Set<string>(),
  ]);
  const summary = limitSummary(limit, lab.submissionWindowSeconds);
  const parsedSuite = suiteSpec ? suiteSpecSchema.safeParse(suiteSpec) : null;
  const tests = parsedSuite?.success ? summariseSuite(parsedSuite.data, isStaff(role)) : null;
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
          {lab.protocol === "NATIVE" && <span className="tag">native mode</span>}
          {isEditor(role) && <Link href={`/courses/${course.slug}/labs/${lab.slug}/edit`}>Edit lab</Link>}
          <Link href={`/courses/${course.slug}/labs/${lab.slug}/submissions`}>Students&apos; submissions</Link>
          <Link href={`/courses/${course.slug}/labs/${lab.slug}/suite`}>Test suite and dry runs</Link>
        </p>
      )}
      <p className="lab-dates muted">
        {lab.dueAt ? (
          <>
            Due <LocalTime date={lab.dueAt} />
            {lab.dueAt < now && " (passed)"}
          </>
        ) : (
          "No deadline"
        )}
        {lab.opensAt && lab.opensAt > now && (
          <>
            {" · "}opens <LocalTime date={lab.opensAt} />
          </>
        )}
      </p>
      <div className="lab-layout">
        <div className="lab-main">
          <article className="card markdown" dangerouslySetInnerHTML={{ __html: renderLabDescription(lab.description) }} />
          <TestsCard tests={tests} />
          {lab.protocol === "NATIVE" && <NativeModeCard />}
          <CommandLineCard courseSlug={course.slug} labSlug={lab.slug} workload={lab.workload} />
        </div>
        <aside className="lab-side">
          <section className="card">
            <h2>Submit</h2>
            <p className="muted" data-testid="submissions-left">
              {summary.text}
            </p>
            {course.archivedAt ? <CourseReadOnly title={course.title} /> : <SubmitForm courseSlug={course.slug} labSlug={lab.slug} maxArchiveBytes={lab.maxArchiveBytes} blockedReason={summary.blocked} />}
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
                          <LocalTime date={e.dueAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              {/* An archived course's extensions are read, never granted (the Submit card says why). */}
              {!course.archivedAt && <ExtensionForm courseSlug={course.slug} labSlug={lab.slug} />}
            </section>
          )}
          <section className="card">
            <h2>My submissions</h2>
            {submissions.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <MySubmissionsTable
                rows={submissions.map((s) => ({ id: s.id, createdAt: s.createdAt.toISOString(), late: s.late, status: s.status, score: s.score, maxScore: s.maxScore }))}
                withheld={withheld.has(lab.id)}
              />
            )}
          </section>
        </aside>
      </div>
    </>
  );
}
