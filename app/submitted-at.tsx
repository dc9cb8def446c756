// A row's "Submitted" cell in a list of submissions: when it was sent (in the
// reader's time zone), linking to the submission, tagged when it came late.
import Link from "next/link";
import { LocalTime, timeOf } from "./local-time";

/**
 * `live`: from a client table that asks useIsLive once for all its rows (the
 * time is then a plain element); without it the cell renders its own LocalTime.
 */
export function SubmittedAt({ submission, live }: { submission: { id: string; createdAt: Date | string; late: boolean }; live?: boolean }) {
  return (
    <>
      <Link href={`/submissions/${submission.id}`}>{live === undefined ? <LocalTime date={submission.createdAt} /> : timeOf(submission.createdAt, live)}</Link>
      {submission.late && <span className="tag tag-warn">late</span>}
    </>
  );
}
