// How a submission reads on one line, and whether it passed in full: shared
// by status, watch and report (from the submission, or a progress event).
import { statusWord } from "../../submissions/outcome.js";

export interface SubmissionLine {
  status: string;
  statusDetail: string | null;
  score: number | null;
  maxScore: number | null;
  queue?: { position: number } | null;
  results: ReadonlyArray<{ verdict: string }>;
}

/** Led by the outcome of a graded submission (PASSED, PARTLY_PASSED, FAILED; lib/submissions/outcome.ts), else by its status. */
export const line = (s: SubmissionLine) =>
  `${statusWord(s)}${s.score !== null ? ` ${s.score}/${s.maxScore}` : ""}${s.queue ? ` (place ${s.queue.position} in the queue)` : ""}${s.statusDetail ? `: ${s.statusDetail}` : ""}`;

/** Every test passed; with hidden results withheld (no score), every test shown passed. */
export const passed = (s: SubmissionLine) =>
  s.status === "GRADED" && (s.score !== null && s.maxScore !== null ? s.score >= s.maxScore : s.results.every((r) => r.verdict === "PASS"));
