// A submission's status or a test's verdict as a coloured label. The
// data-status attribute is what tests and styles key on.
import type { SubmissionStatus, Verdict } from "@/lib/generated/prisma/enums";

const STATUS_LABEL: Record<SubmissionStatus, string> = {
  QUEUED: "Queued",
  BUILDING: "Building",
  RUNNING: "Running",
  GRADED: "Graded",
  BUILD_FAILED: "Build failed",
  INFRA_ERROR: "Infrastructure error",
  CANCELLED: "Cancelled",
  TIMED_OUT: "Timed out",
};

const VERDICT_LABEL: Record<Verdict, string> = {
  PASS: "Pass",
  FAIL: "Fail",
  UNKNOWN: "Unknown",
  LIMIT_EXCEEDED: "Limit exceeded",
};

export function StatusBadge({ status }: { status: SubmissionStatus }) {
  return (
    <span className={`badge badge-${status.toLowerCase()}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}

export function VerdictBadge({ verdict }: { verdict: Verdict }) {
  return (
    <span className={`badge badge-${verdict.toLowerCase()}`} data-verdict={verdict}>
      {VERDICT_LABEL[verdict]}
    </span>
  );
}
