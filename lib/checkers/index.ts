// Which checker judges which workload. Every checker is a pure function of
// the history and the test's context, returning a verdict, a reason in plain
// words and the evidence (see types.ts).
import type { HistoryEvent } from "../history.js";
import { checkCounter } from "./counter.js";
import { checkEcho } from "./echo.js";
import { checkKafka } from "./kafka.js";
import { checkLinearizable } from "./linearizable.js";
import { checkBroadcast, checkGSet } from "./set-completeness.js";
import type { CheckContext, CheckResult } from "./types.js";
import { checkUniqueIds } from "./unique-ids.js";

/**
 * How long a checker may search (linearizability) before its verdict is
 * UNKNOWN. Checks run on the runner's event loop, which also renews the job's
 * 30-s BullMQ lock every 15 s: the search plus its evidence (at least 10 % more)
 * must stay well under the lock, or a long check would look like a dead runner.
 */
export const DEFAULT_CHECK_BUDGET_MS = 20_000;

export type Checker = (events: readonly HistoryEvent[], ctx: CheckContext) => CheckResult;

export const CHECKERS: Record<string, Checker> = {
  echo: checkEcho,
  "lin-kv": checkLinearizable,
  "unique-ids": checkUniqueIds,
  broadcast: checkBroadcast,
  "g-set": checkGSet,
  "g-counter": checkCounter,
  "pn-counter": checkCounter,
  kafka: checkKafka,
};
