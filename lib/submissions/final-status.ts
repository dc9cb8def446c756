// The statuses no runner moves a submission out of again (a regrade starts a
// new job and sets the status anew): watching stops there, cancelling is
// refused, a regrade may start.
import type { SubmissionStatus } from "../generated/prisma/enums.js";

export const FINAL_STATUSES: readonly SubmissionStatus[] = ["GRADED", "BUILD_FAILED", "INFRA_ERROR", "CANCELLED", "TIMED_OUT"];

export function isFinalStatus(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}
