// A test run's verdict: one type, the one PostgreSQL stores (TestResult.verdict).
//   PASS            the checker found the history correct
//   FAIL            it found a violation, or a node died, or the controller gave up
//   UNKNOWN         the checker could not decide within its budget (never counted as a pass)
//   LIMIT_EXCEEDED  the run hit a limit of the student's (memory, wall clock, output)
// Checkers say the first three; only the runner finds a limit (runner/judge.ts).
import type { Verdict as StoredVerdict } from "../generated/prisma/enums.js";

export type Verdict = StoredVerdict;

/** What a checker can say (lib/checkers): a limit is the runner's finding, never a checker's. */
export type CheckVerdict = Exclude<Verdict, "LIMIT_EXCEEDED">;
