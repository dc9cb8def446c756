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
import { summariseSuite, type TestSummary } from "@/lib/suites/test-summary";
import { formatDateTime, formatWindow } from "../../../../format";
import { orNotFound } from "../../../../or-not-found";
import { ExtensionForm } from "./extension-form";
import { MySubmissionsTable } from "./my-submissions";
import { CourseReadOnly } from "../../../../course-read-only";
import { NativeModeCard } from "./native-card";
import { SubmitForm } from "./submit-form";
import { LocalTime } from "../../../../local-time";
import { TableScroll } from "../../../../table-scroll";

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

function TestsCard({ tests }: { tests: TestSummary[] | null }) {
  return (
    <section className="card" aria-labelledby="lab-tests">
      <h2 id="lab-tests">Tests</h2>
      {tests === null ? (
        <p className="muted">No test suite is published yet.</p>
      ) : (
        <TableScroll label="Tests">
          <table className="table table-compact" data-testid="lab-tests">
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col" className="numeric">
                  Points
                </th>
                <th scope="col">What runs</th>
                <th scope="col">Faults</th>
                <th scope="col">Results</th>
              </tr>
            </thead>
            <tbody>
              {tests.map((t) => (
                <tr key={t.name} data-test={t.name}>
                  <td>
                    <code>{t.name}</code>
                    {t.repetitions > 1 && <span className="muted"> ×{t.repetitions}</span>}
                  </td>
                  <td className="numeric">{t.points}</td>
                  <td>{t.runs ?? <span className="muted">shown with its results</span>}</td>
                  <td>{t.faults === null ? <span className="muted">shown with its results</span> : t.faults.length === 0 ? "none" : t.faults.join("; ")}</td>
                  <td>{t.shown}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** The commands, each with what it does, the comments lined up. */
function commandLines(courseSlug: string, labSlug: string, folder: string): string {
  const lines: Array<[string, string]> = [
    [`labgrade submit ${courseSlug} ${labSlug} ${folder} --dry-run`, "lists what would be packed"],
    [`labgrade submit ${courseSlug} ${labSlug} ${folder}`, "packs and submits; prints the submission's id"],
    ["labgrade watch ID", "follows it to its verdict"],
    ["labgrade report ID", "each test's verdict and reason"],
  ];
  const width = Math.max(...lines.map(([command]) => command.length)) + 2;
  return lines.map(([command, what]) => `${command.padEnd(width)}# ${what}`).join("\n");
}

/** How to submit from a terminal: what to pack (a Raft lab takes the skeleton's src/ folder) and the CLI's commands. */
function CommandLineCard({ courseSlug, labSlug, workload }: { courseSlug: string; labSlug: string; workload: string }) {
  const folder = workload === "raft" ? "src" : ".";
  const where = workload === "raft" ? "From your 6.5840 checkout (the folder that holds src/):" : "From your solution's folder:";
  return (
    <section className="card" aria-labelledby="lab-cli">
      <h2 id="lab-cli">From the command line</h2>
      <p>{where}</p>
      <pre className="commands" data-testid="lab-commands" tabIndex={0}>
        <code>{commandLines(courseSlug, labSlug, folder)}</code>
      </pre>
      <p className="muted">
        <code>.git</code>, <code>node_modules</code> and whatever a <code>.labgradeignore</code> file names (gitignore syntax) are left out. To upload
        in the browser instead, pack the same folder yourself (<code>tar czf solution.tar.gz {folder}</code>). Log the command line in with a
        token from <Link href="/account">your account page</Link>.
      </p>
    </section>
  );
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
