// A row's "Submitted" cell in a list of submissions: when it was sent (in the
// reader's time zone), linking to the submission, tagged when it came late.
import Link from "next/link";
import { LocalTime } from "./local-time";

export function SubmittedAt({ submission }: { submission: { id: string; createdAt: Date; late: boolean } }) {
  return (
    <>
      <Link href={`/submissions/${submission.id}`}>
        <LocalTime date={submission.createdAt} />
      </Link>
      {submission.late && <span className="tag tag-warn">late</span>}
    </>
  );
}
