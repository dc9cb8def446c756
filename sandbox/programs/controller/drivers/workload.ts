// The workload driver: the client side of a Maelstrom-style workload
// (lib/workloads/<name>). It sends the workload's setup requests (e.g.
// broadcast's topology) from client c0, says `ready` (the runner starts the
// fault schedule on it), runs `concurrency` clients at the suite's rate from
// the seed for the main phase, waits out the recovery after the runner heals
// every fault, and runs the final operations (e.g. a read on every node, or
// kafka's polls that go on until they have caught up), recording both ends
// of every operation as the history.
import { performance } from "node:perf_hooks";
import { completionTypeForError, type HistoryEvent } from "../../../../lib/history.js";
import { Random } from "../../../../lib/random.js";
import { workloadNamed } from "../../../../lib/workloads/index.js";
import type { GeneratedOp, WorkloadClient } from "../../../../lib/workloads/types.js";
import { errorText, request, sleep, type NodeLink } from "../links.js";
import type { ControllerLine } from "../spec.js";
import type { Driver } from "./index.js";

export const workloadDriver: Driver = async ({ spec, links, record, readyStart }) => {
  const workload = workloadNamed(spec.workload);
  if (!workload) throw new Error(`unknown workload ${spec.workload}`);
  const ctx = { nodeIds: spec.nodeIds, seed: spec.seed, options: workload.options.parse(spec.options) };
  let setupMsgId = 0;

  // Setup requests (e.g. topology) come from client c0 and are not history.
  for (const { node, body } of workload.setup?.(ctx) ?? []) {
    const link = links.find((l) => l.id === node)!;
    const reply = await request(link, "c0", ++setupMsgId, body, spec.requestTimeoutMs);
    if (reply?.type !== `${body.type}_ok`) throw new Error(`node ${node} did not answer ${body.type} (got ${reply ? String(reply.type).slice(0, 64) : "no reply"})`);
  }
  const ready: ControllerLine = { ready: { nodes: spec.nodeIds, waitedMs: Date.now() - readyStart } };
  record.write(ready);
  process.stdout.write(JSON.stringify(ready) + "\n");

  const root = new Random(spec.seed);
  const t0 = performance.now();
  const nowUs = () => Math.round((performance.now() - t0) * 1000);
  const endAt = t0 + spec.durationMs;
  let index = 0;
  let operations = 0;
  const stopped = () => record.full;
  const recordEvent = (event: Omit<HistoryEvent, "index">) => {
    if (!record.full) record.write({ event: { index: index++, ...event } });
  };

  /** Invokes one operation as `process` on `link` and records both ends. Returns false if the process must retire. */
  const perform = async (process: number, msgId: number, link: NodeLink, op: GeneratedOp, observe?: WorkloadClient["observe"], final = false) => {
    operations++;
    const phase = final ? { phase: "final" as const } : {};
    recordEvent({ type: "invoke", process, f: op.f, value: op.value, timeUs: nowUs(), node: link.id, ...phase });
    const reply = await request(link, `c${process + 1}`, msgId, op.body, spec.requestTimeoutMs);
    observe?.(op, reply);
    const base = { process, f: op.f, timeUs: nowUs(), node: link.id, ...phase };
    if (!reply) {
      recordEvent({ ...base, type: "info", value: null, error: { code: 0, text: `no reply within ${spec.requestTimeoutMs} ms` } });
      return false;
    }
    if (reply.type === `${op.body.type}_ok`) {
      recordEvent({ ...base, type: "ok", value: workload.okValue(op, reply) });
      return true;
    }
    if (reply.type === "error") {
      const code = typeof reply.code === "number" && Number.isInteger(reply.code) ? reply.code : 13;
      const type = completionTypeForError(code);
      recordEvent({ ...base, type, value: null, error: { code, text: errorText(reply.text) } });
      return type === "fail";
    }
    recordEvent({ ...base, type: "info", value: null, error: { code: 12, text: `unexpected reply type ${String(reply.type).slice(0, 64)}` } });
    return false;
  };

  let nextProcess = spec.concurrency;
  const client = async (slot: number) => {
    const rng = root.fork();
    const stream = workload.client(rng, ctx);
    let process = slot;
    let msgId = 0;
    const intervalMs = (1000 * spec.concurrency) / spec.ratePerSecond;
    let nextAt = t0 + rng.next() * intervalMs;
    while (nextAt < endAt && !stopped()) {
      const delay = nextAt - performance.now();
      if (delay > 0) await sleep(delay);
      if (performance.now() >= endAt) break;
      nextAt += intervalMs * (0.5 + rng.next());
      const ok = await perform(process, ++msgId, rng.pick(links), stream.next(), stream.observe?.bind(stream));
      // An indeterminate operation may still take effect later: as in Jepsen,
      // this client continues as a new process so histories stay well-formed.
      if (!ok) process = nextProcess++;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, slot) => client(slot)));

  // The runner heals every fault when the main phase ends; give the system
  // time to recover, then run the final operations (e.g. a read on every node).
  if ((workload.finalOps || workload.finalClient) && !stopped()) {
    await sleep(Math.max(0, endAt - performance.now()) + spec.recoveryMs);
    const finalStart = performance.now();
    await Promise.all(
      links.map(async (link) => {
        let process = nextProcess++;
        let msgId = 0;
        if (workload.finalClient) {
          // Each step may depend on the replies so far; the client says when it is done.
          const final = workload.finalClient(ctx, link.id);
          for (let step = final.next(0); step && !stopped(); step = final.next(performance.now() - finalStart)) {
            if (step.delayMs > 0) await sleep(step.delayMs);
            const ok = await perform(process, ++msgId, link, step.op, final.observe.bind(final), true);
            if (!ok) process = nextProcess++;
          }
          return;
        }
        for (const op of workload.finalOps!(ctx, link.id)) {
          if (stopped()) break;
          await perform(process, ++msgId, link, op, undefined, true);
        }
      }),
    );
  }
  return { operations, elapsedMs: Math.round(performance.now() - t0) };
};
