// What a finished test leaves to read, before the cluster is removed: the
// controller's record (through the Docker API, from its volume), every node's
// log and state, and the firewall's message counters. A node whose counters
// could not be read is left out, never counted as 0.
import type Docker from "dockerode";
import type { ClusterAddresses } from "../addressing.js";
import { readOutput, truncateMiddle } from "../container-io.js";
import type { ClusterNode } from "../faults.js";
import { AGENT_STARTED } from "../programs/agent/wire.js";
import type { ControllerLine } from "../programs/controller/spec.js";
import { readCounters, type NodeTraffic } from "../traffic.js";
import { peersOf } from "./resources.js";

/** A node's log is kept up to this size (its middle cut). */
export const NODE_LOG_BYTES = 256 * 1024;

export interface NodeReport {
  id: string;
  /** What the node printed on stderr (its log), with the agent's lines on stdout. */
  log: string;
  logTruncated: boolean;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
}

export async function readTraffic(nodes: readonly ClusterNode[], plan: ClusterAddresses): Promise<Record<string, NodeTraffic>> {
  const traffic: Record<string, NodeTraffic> = {};
  await Promise.all(
    nodes.map(async (node) => {
      try {
        traffic[node.id] = await readCounters(node.sidecar, node.id, peersOf(plan, node.id), plan.services);
      } catch {
        // Not known: left out, never shown as 0 (ClusterTestResult.traffic).
      }
    }),
  );
  return traffic;
}

/** The record's lines; a line that is not JSON (only a cut last line can be) ends it. */
export function parseRecord(bytes: Buffer | null): ControllerLine[] {
  const lines: ControllerLine[] = [];
  if (!bytes) return lines;
  for (const text of bytes.toString("utf8").split("\n")) {
    if (text.trim() === "") continue;
    try {
      lines.push(JSON.parse(text) as ControllerLine);
    } catch {
      break;
    }
  }
  return lines;
}

/** Each node's log and how it ended, in node order. */
export async function nodeReports(nodes: ReadonlyArray<{ id: string; container: Docker.Container }>): Promise<NodeReport[]> {
  return Promise.all(
    nodes.map(async ({ id, container }): Promise<NodeReport> => {
      const [output, info] = await Promise.all([readOutput(container), container.inspect()]);
      const whole = output.stdout + output.stderr;
      const log = truncateMiddle(whole, NODE_LOG_BYTES);
      return {
        id,
        log: log.text,
        // Cut by us, or by the engine's rotation (the agent's first line is gone).
        logTruncated: log.truncated || !whole.startsWith("[agent ") || !whole.slice(0, 200).includes(AGENT_STARTED),
        running: info.State.Running,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        oomKilled: info.State.OOMKilled,
      };
    }),
  );
}
