// /courses/[course]/overview (staff): first a students × labs grid (each
// student's best score, "no submission" marked at once), then per lab the
// spread of the best scores (folded while nobody is graded), who has not
// submitted, and per test its pass rate (with the
// gradings where it both passed and failed: likely flaky) and running time;
// then the course's slowest tests.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { courseOverviewForStaff, type CourseOverview, type GridCell, type TestFigures } from "@/lib/courses/overview";
import { db } from "@/lib/db";
import { formatDurationMs, formatScore } from "../../../format";
import { orNotFound } from "../../../or-not-found";
import { TableScroll } from "../../../table-scroll";

const percent = (part: number, whole: number) => (whole === 0 ? "—" : `${Math.round((part / whole) * 100)} %`);

export default async function CourseOverviewPage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/overview`);
  const overview = await orNotFound(courseOverviewForStaff(db(), actor, courseSlug));
  const { course } = overview;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link>
      </nav>
      <h1>Course overview</h1>
      <p className="muted">
        {overview.students} {overview.students === 1 ? "student" : "students"}. Scores are each student&apos;s best; test figures come from the latest grading of every
        submission.
      </p>
      <StudentGrid overview={overview} />
      {overview.labs.map(({ lab, graded, medianFraction, distribution, withoutSubmission, tests }) => (
        <section key={lab.id} className="card" data-testid={`overview-${lab.slug}`}>
          <h2>
            <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
            {!lab.published && <span className="tag">not published</span>}
          </h2>
          <p>
            {graded} of {overview.students} students graded
            {medianFraction !== null && <>; median best score {Math.round(medianFraction * 100)} %</>}.
          </p>
          {graded === 0 ? (
            <p className="muted" data-testid="no-scores">No graded submissions yet: nothing to plot.</p>
          ) : (
          <details open data-testid="score-histogram">
          <summary>Best scores ({graded} graded)</summary>
          <table className="table" data-testid="score-distribution">
            <caption>Best scores</caption>
            <thead>
              <tr>
                <th scope="col">Score</th>
                <th scope="col" className="numeric">
                  Students
                </th>
                <th scope="col">Share of those graded</th>
              </tr>
            </thead>
            <tbody>
              {distribution.map((bucket) => (
                <tr key={bucket.label} data-bucket={bucket.label}>
                  <td>{bucket.label}</td>
                  <td className="numeric">{bucket.students}</td>
                  <td>
                    <progress max={Math.max(1, graded)} value={bucket.students} aria-label={`${bucket.label}: ${bucket.students} students`} />{" "}
                    {percent(bucket.students, graded)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </details>
          )}
          {tests.length > 0 && <TestTable tests={tests} caption="Tests" />}
          <details data-testid="without-submission" open={graded > 0 && withoutSubmission.length > 0 && withoutSubmission.length <= 20}>
            <summary>
              {withoutSubmission.length} {withoutSubmission.length === 1 ? "student has" : "students have"} not submitted
            </summary>
            <ul>
              {withoutSubmission.map((u) => (
                <li key={u.id}>
                  {u.name ?? u.email} <span className="muted">({u.email})</span>
                </li>
              ))}
            </ul>
          </details>
        </section>
      ))}
      {overview.slowest.length > 0 && (
        <section className="card">
          <h2>Slowest tests</h2>
          <TestTable tests={overview.slowest} caption="By 95th-percentile running time" labTitle={overview.labTitle} testId="slowest-tests" />
        </section>
      )}
    </>
  );
}

function Cell({ cell, href }: { cell: GridCell; href: string }) {
  if (cell.state === "none") return <span className="tag tag-warn">no submission</span>;
  if (cell.state === "ungraded") return <Link href={href}>not graded yet</Link>;
  return <Link href={href}>{formatScore(cell.best, cell.max)}</Link>;
}

/** Students × labs: each one's best score per lab, linked to their submissions there. */
function StudentGrid({ overview }: { overview: CourseOverview }) {
  const { course, labs, grid } = overview;
  if (grid.length === 0 || labs.length === 0) return null;
  return (
    <section className="card" aria-labelledby="grid-heading">
      <h2 id="grid-heading">Students × labs</h2>
      <p className="muted">Best score after the late policy; a cell links to the student&apos;s submissions to that lab.</p>
      <TableScroll label="Students × labs">
        <table className="table table-compact" data-testid="student-grid">
          <thead>
            <tr>
              <th scope="col">Student</th>
              {labs.map(({ lab }) => (
                <th scope="col" key={lab.id}>
                  <Link href={`/courses/${course.slug}/labs/${lab.slug}/submissions`}>{lab.title}</Link>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {grid.map(({ user, cells }) => (
              <tr key={user.id} data-student={user.email}>
                <th scope="row">
                  {user.name ?? user.email}
                  {user.name && <span className="muted"> ({user.email})</span>}
                </th>
                {cells.map((cell, i) => (
                  <td key={labs[i]!.lab.id} data-state={cell.state}>
                    <Cell cell={cell} href={`/courses/${course.slug}/labs/${labs[i]!.lab.slug}/submissions?student=${encodeURIComponent(user.email)}`} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

function TestTable({ tests, caption, labTitle, testId = "test-figures" }: { tests: TestFigures[]; caption: string; labTitle?: Map<string, string>; testId?: string }) {
  return (
    <TableScroll label={caption}>
      <table className="table" data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {labTitle && <th scope="col">Lab</th>}
            <th scope="col">Test</th>
            <th scope="col" className="numeric">
              Pass rate
            </th>
            <th scope="col" className="numeric">
              Mixed gradings
            </th>
            <th scope="col" className="numeric">
              Mean time
            </th>
            <th scope="col" className="numeric">
              p95 time
            </th>
            <th scope="col" className="numeric">
              Longest
            </th>
          </tr>
        </thead>
        <tbody>
          {tests.map((t) => (
            <tr key={`${t.labId}/${t.testName}`} data-test={t.testName}>
              {labTitle && <td>{labTitle.get(t.labId)}</td>}
              <td>
                <code>{t.testName}</code>
              </td>
              <td className="numeric" data-passes={t.passes} data-runs={t.runs}>
                {percent(t.passes, t.runs)} <span className="muted">({t.passes} of {t.runs})</span>
              </td>
              <td className="numeric" title="gradings where some repetitions passed and others failed: a sign of a flaky test">
                {t.mixedGradings > 0 ? <span className="tag tag-warn">{t.mixedGradings} flaky?</span> : 0}
              </td>
              <td className="numeric">{formatDurationMs(Math.round(t.meanMs))}</td>
              <td className="numeric">{formatDurationMs(Math.round(t.p95Ms))}</td>
              <td className="numeric">{formatDurationMs(t.maxMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
