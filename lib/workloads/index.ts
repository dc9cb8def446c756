// The workloads a suite can name. Adding one here makes it available to suite
// validation, the controller and the checkers' registry.
import { echoWorkload } from "./echo.js";
import type { Workload } from "./types.js";

export const WORKLOADS: Record<string, Workload> = {
  echo: echoWorkload,
};

export const WORKLOAD_NAMES = Object.keys(WORKLOADS);
