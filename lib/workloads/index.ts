// The workloads a suite can name. Adding one here makes it available to suite
// validation, the controller and the checkers' registry.
import { broadcastWorkload } from "./broadcast.js";
import { gCounterWorkload, pnCounterWorkload } from "./counter.js";
import { echoWorkload } from "./echo.js";
import { gSetWorkload } from "./g-set.js";
import { kafkaWorkload } from "./kafka.js";
import { linKvWorkload } from "./lin-kv.js";
import type { Workload } from "./types.js";
import { uniqueIdsWorkload } from "./unique-ids.js";

export const WORKLOADS: Record<string, Workload> = {
  echo: echoWorkload,
  "lin-kv": linKvWorkload,
  "unique-ids": uniqueIdsWorkload,
  broadcast: broadcastWorkload,
  "g-set": gSetWorkload,
  "g-counter": gCounterWorkload,
  "pn-counter": pnCounterWorkload,
  kafka: kafkaWorkload,
};

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);
