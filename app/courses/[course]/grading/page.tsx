// /courses/[course]/grading (staff): the course's waiting and running
// gradings, the whole queue's depth, the runners, and regrades with progress.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { queueOverviewForStaff } from "@/lib/jobs/queue-overview";
import { orNotFound } from "../../../or-not-found";
import { RegradeForm } from "./regrade-form";
import { JobsTable } from "../../../jobs-table";
import { RunnersTable } from "../../../runners-table";
import { LocalTime } from "../../../local-time";
import { TableScroll } from "../../../table-scroll";

export const dynamic = "force-dynamic";

export default async function GradingPage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/grading`);
  const overview = await orNotFound(queueOverviewForStaff(db(), actor, courseSlug));
  const labs = await db().lab.findMany({ where: { courseId: overview.course.id }, orderBy: { createdAt: "asc" }, select: { slug: true, title: true } });
  const { all } = overview;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${overview.course.slug}`}>{overview.course.title}</Link>
      </nav>
      <h1>Grading</h1>
      <p>
        <a href={`/courses/${overview.course.slug}/grades.csv`} download>
          Export grades (CSV)
        </a>
      </p>
      <section className="card">
        <dl className="facts" data-testid="queue-facts">
          <dt>Waiting (all courses)</dt>
          <dd>
            {all.queued}
            {all.oldestQueuedAt && <span className="muted"> (oldest since <LocalTime date={all.oldestQueuedAt} />)</span>}
          </dd>
          <dt>Running (all courses)</dt>
          <dd>{all.running}</dd>
          <dt>This course&apos;s cap</dt>
          <dd>{overview.course.maxConcurrentJobs === null ? "none" : `${overview.course.maxConcurrentJobs} at once`}</dd>
        </dl>
      </section>

      <section className="card">
        <h2>This course&apos;s gradings</h2>
        {overview.jobs.length === 0 ? (
          <p className="muted">Nothing is waiting or running.</p>
        ) : (
          <JobsTable jobs={overview.jobs} testId="course-jobs" label="Gradings waiting and running" />
        )}
      </section>

      <section className="card">
        <h2>Regrades</h2>
        <RegradeForm courseSlug={overview.course.slug} labs={labs} />
        {overview.regrades.length > 0 && (
          <TableScroll label="Regrades">
            <table className="table" data-testid="regrades">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Lab</th>
                  <th scope="col">Scope</th>
                  <th scope="col" className="numeric">
                    Done
                  </th>
                  <th scope="col">Progress</th>
                </tr>
              </thead>
              <tbody>
                {overview.regrades.map((r) => (
                  <tr key={r.batchId}>
                    <td><LocalTime date={r.createdAt} /></td>
                    <td>{r.lab}</td>
                    <td>{r.scope}</td>
                    <td className="numeric">
                      {r.succeeded + r.failed + r.cancelled} / {r.total}
                    </td>
                    <td>
                      <progress max={1} value={r.done} aria-label={`regrade ${Math.round(r.done * 100)} % done`} /> {r.queued} waiting, {r.running} running
                      {r.failed > 0 && `, ${r.failed} failed`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>

      <section className="card">
        <h2>Runners</h2>
        {overview.runners.length === 0 ? (
          <p className="muted">No runner has ever reported in.</p>
        ) : (
          <RunnersTable runners={overview.runners} testId="runners" />
        )}
      </section>
    </>
  );
}
