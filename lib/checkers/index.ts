// Which checker judges which workload. Every checker is a pure function of
// the history and the test's context, returning a verdict, a reason in plain
// words and the evidence (see types.ts).
import type { HistoryEvent } from "../history.js";
import { checkEcho } from "./echo.js";
import type { CheckContext, CheckResult } from "./types.js";

export type Checker = (events: readonly HistoryEvent[], ctx: CheckContext) => CheckResult;

export const CHECKERS: Record<string, Checker> = {
  echo: checkEcho,
};
