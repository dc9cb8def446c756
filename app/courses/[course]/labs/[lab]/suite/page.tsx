// /courses/[course]/labs/[lab]/suite: the lab's test suite for its staff. The
// editor saves new versions (problems shown by line), each version can be
// dry-run against the reference solutions and published; TAs may read it all,
// and so may everyone in an archived course (read-only: no form is offered).
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { isEditor } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { listDryRuns, listSuiteVersions } from "@/lib/suites/suite-versions";
import { formatScore } from "../../../../../format";
import { CourseReadOnly } from "../../../../../course-read-only";
import { orNotFound } from "../../../../../or-not-found";
import { StatusBadge } from "../../../../../status-badge";
import { ReferenceUpload, SuiteEditor, VersionActions } from "./suite-forms";
import { LocalTime } from "../../../../../local-time";
import { TableScroll } from "../../../../../table-scroll";

const starter = (workload: string) =>
  [
    "# One entry per test; see the suite format in the documentation.",
    "tests:",
    "  - name: basic",
    `    workload: ${workload}`,
    "    nodes: 3",
    "    durationSeconds: 10",
    "    points: 1",
    "",
  ].join("\n");

export default async function SuitePage({ params }: { params: Promise<{ course: string; lab: string }> }) {
  const { course: courseSlug, lab: labSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}/suite`);
  const { course, role, lab, versions, references } = await orNotFound(listSuiteVersions(db(), actor, courseSlug, labSlug));
  const dryRuns = await listDryRuns(db(), lab.id);
  const editor = actor.isPlatformAdmin || isEditor(role);
  // An editor of an archived course reads what an editor would, without the forms that could not be saved.
  const writable = editor && !course.archivedAt;
  const current = versions.find((v) => v.publishedAt !== null);
  const ids = { courseSlug: course.slug, labSlug: lab.slug };
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link> / <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
      </nav>
      <h1>Test suite: {lab.title}</h1>
      <p className="muted">
        {current ? `Students are graded against version ${current.version}.` : "No version is published: students cannot submit yet."}
        {writable && " Saving makes a new draft version; dry-run it against the reference solutions, then publish it."}
      </p>
      {course.archivedAt && <CourseReadOnly title={course.title} />}
      {!lab.published && (
        <p className="form-note" data-testid="lab-hidden">
          This lab is still a draft: students do not see it, so publishing a suite version grades nobody until the lab itself is published
          {writable && (
            <>
              {" "}
              (<Link href={`/courses/${course.slug}/labs/${lab.slug}/edit`}>Edit lab</Link> → Published)
            </>
          )}
          .
        </p>
      )}
      <div className="lab-layout">
        <section className="card">
          {/* TAs read the suite; only editors are offered "Edit". */}
          <h2>{writable ? "Edit" : editor ? "Source (read-only: the course is archived)" : "Source (read-only: instructors edit it)"}</h2>
          {writable ? <SuiteEditor {...ids} source={versions[0]?.source ?? starter(lab.workload)} /> : <pre className="code-block">{versions[0]?.source ?? "(no suite yet)"}</pre>}
        </section>
        <aside className="lab-side">
          <section className="card">
            <h2>Versions</h2>
            {versions.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <TableScroll label="Versions">
                <table className="table table-compact" data-testid="suite-versions">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">State</th>
                      {writable && <th scope="col">Actions</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {versions.map((v) => (
                      <tr key={v.id}>
                        <td>
                          {v.version} <span className="muted"><LocalTime date={v.createdAt} /></span>
                        </td>
                        <td>{v.publishedAt ? (v.id === current?.id ? <span className="tag tag-pass">current</span> : "published") : <span className="tag">draft</span>}</td>
                        {writable && (
                          <td>
                            <VersionActions {...ids} version={v.version} published={v.publishedAt !== null} />
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </section>
          <section className="card">
            <h2>Dry runs</h2>
            {dryRuns.length === 0 ? (
              <p className="muted">None yet.</p>
            ) : (
              <TableScroll label="Dry runs">
                <table className="table table-compact" data-testid="dry-runs">
                  <thead>
                    <tr>
                      <th scope="col">Version</th>
                      <th scope="col">Reference</th>
                      <th scope="col">Status</th>
                      <th scope="col">As expected</th>
                    </tr>
                  </thead>
                  <tbody>
                    {dryRuns.map((d) => (
                      <tr key={d.submissionId}>
                        <td>{d.version}</td>
                        <td>
                          <Link href={`/submissions/${d.submissionId}`}>{d.reference}</Link> <span className="muted">({d.expectPass ? "must pass" : "must fail"})</span>
                        </td>
                        <td>
                          <StatusBadge status={d.status} score={d.score} maxScore={d.maxScore} /> {formatScore(d.score, d.maxScore)}
                        </td>
                        <td>{d.asExpected === null ? <span className="muted">grading</span> : d.asExpected ? <span className="tag tag-pass">yes</span> : <span className="tag tag-fail">no</span>}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            )}
          </section>
          <section className="card">
            <h2>Reference solutions</h2>
            {references.length === 0 ? (
              <p className="muted">None yet: upload the solution that must pass, and any that must fail.</p>
            ) : (
              <ul data-testid="references">
                {references.map((r) => (
                  <li key={r.name}>
                    {r.name} <span className="muted">({r.expectPass ? "must pass" : "must fail"})</span>
                  </li>
                ))}
              </ul>
            )}
            {writable && <ReferenceUpload {...ids} maxArchiveBytes={lab.maxArchiveBytes} />}
          </section>
        </aside>
      </div>
    </>
  );
}
