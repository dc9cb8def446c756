// What a graded submission came to, for every place that shows its status
// (badges, lists, the CLI): "Graded" alone says nothing of whether the tests
// passed, so a 0 of 1 must read as failed, not as a green "Graded".
export type GradedOutcome = "PASSED" | "PARTLY_PASSED" | "FAILED";

export const OUTCOME_LABEL: Record<GradedOutcome, string> = { PASSED: "Passed", PARTLY_PASSED: "Partly passed", FAILED: "Failed" };

/**
 * PASSED with every point, FAILED with none, PARTLY_PASSED between; null when
 * the submission is not graded or its score is withheld from the viewer (then
 * only "graded" may be said).
 */
export function gradedOutcome(s: { status: string; score: number | null; maxScore: number | null }): GradedOutcome | null {
  if (s.status !== "GRADED" || s.score === null || s.maxScore === null) return null;
  if (s.score >= s.maxScore) return "PASSED";
  return s.score <= 0 ? "FAILED" : "PARTLY_PASSED";
}

/** The status as one word for lists and the CLI: the outcome when there is one. */
export function statusWord(s: { status: string; score: number | null; maxScore: number | null }): string {
  return gradedOutcome(s) ?? s.status;
}
