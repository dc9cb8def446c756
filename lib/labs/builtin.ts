// The built-in labs: their specification, default suite and reference
// solutions (one correct, at least one deliberately broken each). They seed
// the demo course and are the fixtures of the end-to-end and
// reference-solution tests. Each lab is defined in lib/labs/<slug>/lab.ts.
import { broadcastLab } from "./broadcast/lab.js";
import type { BuiltinLab } from "./builtin-lab.js";
import { echoLab } from "./echo/lab.js";
import { gCounterLab } from "./g-counter/lab.js";
import { gSetLab } from "./g-set/lab.js";
import { kafkaLab } from "./kafka/lab.js";
import { linKvLab } from "./lin-kv/lab.js";
import { RAFT_LABS } from "./mit-6.5840/labs.js";
import { pnCounterLab } from "./pn-counter/lab.js";
import { uniqueIdsLab } from "./unique-ids/lab.js";

export type { BuiltinLab, ReferenceSolution } from "./builtin-lab.js";

/** The Maelstrom-protocol labs, in the order a course would teach them (their reference tests run every suite). */
export const BUILTIN_LABS: BuiltinLab[] = [echoLab, uniqueIdsLab, broadcastLab, gSetLab, gCounterLab, pnCounterLab, linKvLab, kafkaLab];

/**
 * Every built-in lab the demo course gets: the Maelstrom labs and MIT 6.5840's Raft in four parts
 * (their references are tested by raft-tester.test.ts, on a subset of the course's tests, and by bench/raft-suite.ts on all).
 */
export const ALL_BUILTIN_LABS: BuiltinLab[] = [...BUILTIN_LABS, ...RAFT_LABS];
