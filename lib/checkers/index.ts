// What every checker shares: the time and memory budgets of a search. Which checker
// judges which workload is the workload's own definition (lib/workloads/):
// every checker is a pure function of the history and the test's context,
// returning a verdict, a reason in plain words and the evidence (types.ts).
export type { Checker } from "../workloads/types.js";

/**
 * How long a checker may search (linearizability) before its verdict is
 * UNKNOWN. Checks run on the runner's event loop, which also renews the job's
 * 30-s BullMQ lock every 15 s: the search plus its evidence (at least 10 % more)
 * must stay well under the lock, or a long check would look like a dead runner.
 */
export const DEFAULT_CHECK_BUDGET_MS = 20_000;

/**
 * How much memory one linearizability search's memo may hold, in MB
 * (estimated), before the verdict is UNKNOWN: the runner's heap is shared
 * with the job's other work, and a hard history can fill any heap long
 * before the time budget runs out (2k operations on one key from 40
 * clients held ~800 MB).
 */
export const DEFAULT_CHECK_MEMORY_MB = 256;
