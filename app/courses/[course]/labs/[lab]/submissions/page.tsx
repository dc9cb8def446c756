// /courses/[course]/labs/[lab]/submissions: the lab's submissions for its
// staff, newest first, filtered by student and status, a page at a time
// (lib/submissions/lab-submissions.ts, the API's list). Students get a 404.
import Link from "next/link";
import { ZodError } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { getLabForMemberOrThrow } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { SubmissionStatus } from "@/lib/generated/prisma/enums";
import { listLabSubmissionsForStaff } from "@/lib/submissions/lab-submissions";
import { sentence } from "../../../../../action-state";
import { formatScore } from "../../../../../format";
import { orNotFound } from "../../../../../or-not-found";
import { StatusBadge } from "../../../../../status-badge";
import { SubmittedAt } from "../../../../../submitted-at";
import { TableScroll } from "../../../../../table-scroll";

type Search = { student?: string | string[]; status?: string | string[]; after?: string | string[] };
const one = (value: string | string[] | undefined) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

export default async function LabSubmissionsPage({ params, searchParams }: { params: Promise<{ course: string; lab: string }>; searchParams: Promise<Search> }) {
  const { course: courseSlug, lab: labSlug } = await params;
  const search = await searchParams;
  const query = { student: one(search.student), status: one(search.status), after: one(search.after) };
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}/submissions`);
  const { course, lab } = await orNotFound(getLabForMemberOrThrow(db(), actor, courseSlug, labSlug));
  let listed: Awaited<ReturnType<typeof listLabSubmissionsForStaff>> | null = null;
  let problem: string | null = null;
  try {
    listed = await orNotFound(listLabSubmissionsForStaff(db(), actor, courseSlug, labSlug, { ...query, status: query.status as SubmissionStatus | undefined }));
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    problem = sentence(err.issues[0]?.message ?? "check the filter");
  }
  const base = `/courses/${course.slug}/labs/${lab.slug}/submissions`;
  const nextHref = listed?.next ? `${base}?${new URLSearchParams({ ...(query.student ? { student: query.student } : {}), ...(query.status ? { status: query.status } : {}), after: listed.next })}` : null;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href={`/courses/${course.slug}`}>{course.title}</Link> / <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
      </nav>
      <h1>Submissions to {lab.title}</h1>
      <form method="get" action={base} className="form form-row filters" data-testid="submission-filters">
        <div>
          <label htmlFor="filter-student">Student&apos;s email</label>
          <input id="filter-student" name="student" type="email" defaultValue={query.student ?? ""} aria-invalid={problem?.startsWith("Student") || undefined} aria-describedby={problem ? "filter-problem" : undefined} />
        </div>
        <div>
          <label htmlFor="filter-status">Status</label>
          <select id="filter-status" name="status" defaultValue={query.status ?? ""}>
            <option value="">any</option>
            {Object.values(SubmissionStatus).map((status) => (
              <option key={status} value={status}>
                {status.toLowerCase().replace("_", " ")}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit" className="button">
            Filter
          </button>{" "}
          {(query.student || query.status) && <Link href={base}>Show all</Link>}
        </div>
      </form>
      {problem && (
        <p className="form-error" role="alert" id="filter-problem">
          {problem}
        </p>
      )}
      {listed && (
        <section className="card">
          {listed.submissions.length === 0 ? (
            <p className="muted">{query.student || query.status ? "No submission matches." : "No submissions yet."}</p>
          ) : (
            <TableScroll label="Submissions">
              <table className="table" data-testid="lab-submissions">
                <thead>
                  <tr>
                    <th scope="col">Submitted</th>
                    <th scope="col">Student</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="numeric">
                      Score
                    </th>
                    <th scope="col" className="numeric">
                      Suite
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {listed.submissions.map((s) => (
                    <tr key={s.id}>
                      <td>
                        <SubmittedAt submission={s} />
                      </td>
                      <td>
                        {s.user.name ?? s.user.email} {s.user.name && <span className="muted">({s.user.email})</span>}
                      </td>
                      <td>
                        <StatusBadge status={s.status} score={s.score} maxScore={s.maxScore} />
                      </td>
                      <td className="numeric">{formatScore(s.finalScore ?? s.score, s.maxScore)}</td>
                      <td className="numeric">v{s.suiteVersion.version}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          {nextHref && (
            <p>
              <Link href={nextHref}>Older submissions</Link>
            </p>
          )}
        </section>
      )}
    </>
  );
}
