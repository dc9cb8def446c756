// A submission's status or a test's verdict as a coloured label. A graded
// submission whose score the viewer may see is labelled by its outcome
// (lib/submissions/outcome.ts): passed, partly passed or failed. The
// data-status and data-outcome attributes are what tests and styles key on.
import type { SubmissionStatus, Verdict } from "@/lib/generated/prisma/enums";
import { gradedOutcome, OUTCOME_LABEL } from "@/lib/submissions/outcome";

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

/** `score` and `maxScore` as the viewer may see them: null while withheld. */
export function StatusBadge({ status, score = null, maxScore = null }: { status: SubmissionStatus; score?: number | null; maxScore?: number | null }) {
  const outcome = gradedOutcome({ status, score, maxScore });
  const kind = (outcome ?? status).toLowerCase();
  return (
    <span className={`badge badge-${kind}`} data-status={status} data-outcome={outcome ?? undefined} title={outcome ? `Graded: ${score} of ${maxScore} points` : undefined}>
      {outcome ? OUTCOME_LABEL[outcome] : STATUS_LABEL[status]}
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
