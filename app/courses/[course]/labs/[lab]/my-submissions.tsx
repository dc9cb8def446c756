"use client";
// The lab page's list of the student's own submissions. A client component,
// so the server sends each row as a few fields rather than as a tree of
// elements (a link, a time, a badge), which it would render twice (once to
// send, once to HTML) at several times the size: the list was the largest
// part of what the lab page cost to serve (bench/web-load.ts). The HTML is
// the same either way, JavaScript or not.
import type { SubmissionStatus } from "@/lib/generated/prisma/enums";
import { formatScore } from "../../../../format";
import { useIsLive } from "../../../../local-time";
import { StatusBadge } from "../../../../status-badge";
import { SubmittedAt } from "../../../../submitted-at";

export interface MySubmissionRow {
  id: string;
  /** When it was submitted (ISO 8601). */
  createdAt: string;
  late: boolean;
  status: SubmissionStatus;
  score: number | null;
  maxScore: number | null;
}

/** `withheld`: the lab's scores are not shown to the student yet (the row still says it was graded). */
export function MySubmissionsTable({ rows, withheld }: { rows: MySubmissionRow[]; withheld: boolean }) {
  const live = useIsLive();
  return (
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
        {rows.map((s) => (
          <tr key={s.id}>
            <td>
              <SubmittedAt submission={s} live={live} />
            </td>
            <td>
              <StatusBadge status={s.status} score={withheld ? null : s.score} maxScore={withheld ? null : s.maxScore} />
            </td>
            <td className="numeric">{withheld && s.score !== null ? <span className="muted">withheld</span> : formatScore(s.score, s.maxScore)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
