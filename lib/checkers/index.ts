// Which checker judges which workload.
import type { HistoryEvent } from "../history.js";
import { checkEcho } from "./echo.js";
import type { CheckResult } from "./types.js";

export type Checker = (events: readonly HistoryEvent[]) => CheckResult;

export const CHECKERS: Record<string, Checker> = {
  echo: checkEcho,
};
