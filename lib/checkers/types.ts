// What every checker returns: a verdict, a reason in plain words for the
// student, and the evidence behind it (small enough to store with the result).

export type CheckVerdict = "PASS" | "FAIL" | "UNKNOWN";

export interface CheckResult {
  verdict: CheckVerdict;
  reason: string;
  evidence: Record<string, unknown>;
}

/** What a checker may know besides the history. */
export interface CheckContext {
  nodeIds: string[];
  /** Time budget for searches that can explode (linearizability); past it the verdict is UNKNOWN. */
  budgetMs: number;
}
