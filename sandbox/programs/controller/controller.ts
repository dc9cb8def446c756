// The test controller: the client side of one test, run in its own container
// on the cluster's network. It waits for every node to accept clients
// (links.ts), runs the spec's driver (drivers/: the workload's clients at the
// suite's rate and concurrency from the seed), asks the agents for their
// counters and message journals (the journals into a file of their own beside
// the record, journal-file.ts), and writes its record (the history, the agents' counters, what
// happened) to a file on the history volume, one ControllerLine per line
// between a header and an end line (record.ts), so the runner can tell a whole
// record from a cut one (spec.ts). The
// runner reads the file through the Docker API, so a runner can drive a remote
// engine without any network route into the lab network. Only the `ready`
// line also goes to stdout: the runner follows it to start the fault schedule.
//
// What a node sends is bounded before it is recorded: a frame over
// MAX_FRAME_BYTES ends that node's connection as a limit violation, error
// texts are cut to MAX_ERROR_TEXT_CHARS, and the whole record stops at
// MAX_RECORD_BYTES (also a violation), so no node decides how much we store.
import type { AgentStats, ControllerFrame } from "../agent/wire.js";
import { DRIVERS } from "./drivers/index.js";
import { connect, sleep, useFrames } from "./links.js";
import path from "node:path";
import { JournalFile } from "./journal-file.js";
import { RecordFile } from "./record.js";
import { controllerSpecSchema, JOURNAL_FILE, RECORD_DIR, RECORD_FILE, RECORD_FORMAT, type LimitViolation } from "./spec.js";

function logErr(line: string): void {
  process.stderr.write(`[controller] ${line}\n`);
}

async function main(record: RecordFile): Promise<void> {
  const spec = controllerSpecSchema.parse(JSON.parse(process.env.LABGRADE_TEST ?? "null"));
  record.write({ header: { format: RECORD_FORMAT, seed: spec.seed, workload: spec.workload, ...(spec.raft ? { driver: "raft" as const, test: spec.raft.test } : {}) } });
  useFrames(spec.protocol === "maelstrom");
  const violate = (v: LimitViolation) => record.write({ violation: v });

  const readyStart = Date.now();
  // The raft driver speaks to the peers' control ports itself (Contract 2).
  const links = spec.driver === "raft" ? [] : await Promise.all(spec.nodeIds.map((id) => connect(id, readyStart + spec.readyTimeoutMs, violate)));
  const { operations, elapsedMs } = await DRIVERS[spec.driver]({ spec, links, record, readyStart });
  // Beside the record, on the same volume: the agents' message journals (journal-file.ts).
  const journal = new JournalFile(path.join(path.dirname(spec.recordPath), JOURNAL_FILE));

  for (const link of links) {
    if (spec.protocol === "native" || link.socket.destroyed) {
      // No agent between peers in native mode: only the firewall counts server messages.
      link.socket.destroy();
      continue;
    }
    const stats = await Promise.race([
      new Promise<AgentStats>((resolve) => {
        link.statsWaiter = resolve;
        link.socket.write(JSON.stringify({ kind: "stats" } satisfies ControllerFrame) + "\n");
      }),
      sleep(2000).then(() => undefined),
    ]);
    // Recorded as the agent said; the runner checks every figure before storing one.
    if (stats) record.write({ stats });
    else logErr(`node ${link.id} did not report its message counters`);
    await journal.collect(link);
    link.socket.destroy();
  }
  journal.close();
  record.write({ done: { operations, elapsedMs } });
}

/** Where to write the record: read on its own, so even a spec that fails to parse leaves a record saying so. */
function recordPath(): string {
  try {
    return controllerSpecSchema.shape.recordPath.parse((JSON.parse(process.env.LABGRADE_TEST ?? "{}") as { recordPath?: unknown }).recordPath);
  } catch {
    return `${RECORD_DIR}/${RECORD_FILE}`;
  }
}

const record = new RecordFile(recordPath());
main(record).then(
  () => {
    record.close();
    process.exit(0);
  },
  (err: unknown) => {
    record.write({ fatal: { message: err instanceof Error ? err.message : String(err) } });
    record.close();
    process.exit(1);
  },
);
