// Gradings waiting and running, as a table: the course grading page's (one
// course) and the platform page's (every course, with the runner of each
// running one) share it.
import Link from "next/link";
import { LocalTime } from "./local-time";
import { TableScroll } from "./table-scroll";

export interface JobRow {
  submissionId: string;
  lab: string;
  student: string;
  kind: string;
  status: string;
  detail: string | null;
  since: Date;
  /** Shown when the table has a course column. */
  course?: string;
  /** Shown when the table has a runner column (null: not running). */
  runnerId?: string | null;
}

export function JobsTable({ jobs, testId, label, columns = {} }: { jobs: readonly JobRow[]; testId: string; label: string; columns?: { course?: boolean; runner?: boolean } }) {
  return (
    <TableScroll label={label}>
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Submission</th>
            {columns.course && <th scope="col">Course</th>}
            <th scope="col">Lab</th>
            <th scope="col">Student</th>
            <th scope="col">Kind</th>
            <th scope="col">Status</th>
            {columns.runner && <th scope="col">Runner</th>}
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={`${j.submissionId}-${j.kind}`}>
              <td>
                <Link href={`/submissions/${j.submissionId}`}>
                  <code>{j.submissionId.slice(0, 10)}</code>
                </Link>
              </td>
              {columns.course && <td>{j.course}</td>}
              <td>{j.lab}</td>
              <td>{j.student}</td>
              <td>{j.kind.toLowerCase().replace("_", " ")}</td>
              <td>
                {j.status.toLowerCase()}
                {j.detail && <span className="muted"> — {j.detail}</span>}
              </td>
              {columns.runner && <td>{j.runnerId ? <code>{j.runnerId}</code> : <span className="muted">—</span>}</td>}
              <td>
                <LocalTime date={j.since} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
