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
import { pnCounterLab } from "./pn-counter/lab.js";
import { uniqueIdsLab } from "./unique-ids/lab.js";

export type { BuiltinLab, ReferenceSolution } from "./builtin-lab.js";

/** In the order a course would teach them. */
export const BUILTIN_LABS: BuiltinLab[] = [echoLab, uniqueIdsLab, broadcastLab, gSetLab, gCounterLab, pnCounterLab, linKvLab, kafkaLab];
