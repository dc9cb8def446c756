// /admin (platform admins): every course with its gradings waiting and
// running, archive and copy; every course's gradings by name; the runners
// and their capabilities; links to make a course and to the audit log.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { LISTED_JOBS, platformOverview } from "@/lib/platform/platform-overview";
import { JobsTable } from "../jobs-table";
import { RunnersTable } from "../runners-table";
import { LocalTime } from "../local-time";
import { orNotFound } from "../or-not-found";
import { ArchiveButton } from "./archive-button";
import { TableScroll } from "../table-scroll";

export const dynamic = "force-dynamic";

export default async function PlatformPage() {
  const actor = await requireActor("/admin");
  const overview = await orNotFound(platformOverview(db(), actor));
  return (
    <>
      <h1>Platform</h1>
      <p className="staff-links">
        <Link href="/admin/new">New course</Link>
        <Link href="/admin/audit">Audit log</Link>
      </p>
      <section className="card">
        <dl className="facts" data-testid="platform-facts">
          <dt>Waiting</dt>
          <dd>{overview.totals.queued}</dd>
          <dt>Running</dt>
          <dd>{overview.totals.running}</dd>
          <dt>Courses</dt>
          <dd>
            {overview.courses.length} ({overview.courses.filter((c) => c.archivedAt).length} archived)
          </dd>
        </dl>
      </section>

      <section className="card">
        <h2>Courses</h2>
        <TableScroll label="Courses">
          <table className="table" data-testid="platform-courses">
            <thead>
              <tr>
                <th scope="col">Course</th>
                <th scope="col">Term</th>
                <th scope="col" className="numeric">Labs</th>
                <th scope="col" className="numeric">Members</th>
                <th scope="col" className="numeric">Waiting</th>
                <th scope="col" className="numeric">Running</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {overview.courses.map((c) => (
                <tr key={c.id} data-course={c.slug}>
                  <td>
                    <Link href={`/courses/${c.slug}`}>{c.title}</Link> <code>{c.slug}</code>
                  </td>
                  <td>{c.term ?? <span className="muted">—</span>}</td>
                  <td className="numeric">{c.labs}</td>
                  <td className="numeric">{c.members}</td>
                  <td className="numeric">{c.queued}</td>
                  <td className="numeric">
                    {c.running}
                    {c.maxConcurrentJobs !== null && <span className="muted"> / cap {c.maxConcurrentJobs}</span>}
                  </td>
                  <td>
                    {c.archivedAt ? (
                      <span className="tag tag-warn">
                        archived <LocalTime date={c.archivedAt} />
                      </span>
                    ) : (
                      "open"
                    )}
                    <ArchiveButton courseSlug={c.slug} title={c.title} archived={c.archivedAt !== null} />
                  </td>
                  <td>
                    <div className="inline-forms">
                      <Link href={`/admin/courses/${c.slug}/copy`} className="button" aria-label={`Copy ${c.title} (${c.slug}) into a new term`}>
                        Copy
                      </Link>
                      <Link href={`/admin/audit?course=${encodeURIComponent(c.slug)}`} aria-label={`Audit log of ${c.title} (${c.slug})`}>
                        Audit log
                      </Link>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>

      <section className="card">
        <h2>Gradings waiting and running</h2>
        {overview.jobs.length === 0 ? (
          <p className="muted">Nothing is waiting or running.</p>
        ) : (
          <>
            {overview.jobs.length === LISTED_JOBS && <p className="muted">The first {LISTED_JOBS}, running first, then in the order they will run.</p>}
            <JobsTable jobs={overview.jobs} testId="platform-jobs" label="Gradings waiting and running" columns={{ course: true, runner: true }} />
          </>
        )}
      </section>

      <section className="card">
        <h2>Runners</h2>
        {overview.runners.length === 0 ? (
          <p className="muted">No runner has ever reported in.</p>
        ) : (
          <RunnersTable runners={overview.runners} testId="platform-runners" columns={{ host: true, images: true }} />
        )}
      </section>
    </>
  );
}
