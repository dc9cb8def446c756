// The test controller: the client side of one test, run in its own container
// on the cluster's network. It waits for every node to accept clients, drives
// the workload at the suite's rate and concurrency from the seed, and writes
// the history (and the agents' message counters) as JSON lines on stdout.
// The runner reads those lines through the Docker API, so a runner can drive a
// remote engine without any network route into the lab network.
import net from "node:net";
import readline from "node:readline";
import { performance } from "node:perf_hooks";
import { completionTypeForError, type HistoryEvent } from "../../lib/history.js";
import { Random } from "../../lib/random.js";
import { WORKLOADS } from "../../lib/workloads/index.js";
import type { GeneratedOp, WorkloadClient } from "../../lib/workloads/types.js";
import { CLIENT_PORT, parseEnvelope, type AgentStats, type Envelope } from "../agent/wire.js";
import { controllerSpecSchema, type ControllerLine } from "./spec.js";

function emit(line: ControllerLine): void {
  process.stdout.write(JSON.stringify(line) + "\n");
}

function logErr(line: string): void {
  process.stderr.write(`[controller] ${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeLink {
  id: string;
  socket: net.Socket;
  statsWaiter?: (stats: AgentStats) => void;
}

const pending = new Map<string, (body: Envelope["body"]) => void>();

async function connect(id: string, deadline: number): Promise<NodeLink> {
  for (;;) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: id, port: CLIENT_PORT });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
      socket.setNoDelay(true);
      const link: NodeLink = { id, socket };
      const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
      lines.on("line", (line) => {
        if (line.startsWith('{"labgrade":"stats"')) {
          link.statsWaiter?.(JSON.parse(line) as AgentStats);
          return;
        }
        const envelope = parseEnvelope(line);
        if (!envelope || envelope.body.in_reply_to === undefined) return;
        const waiter = pending.get(`${envelope.dest}:${envelope.body.in_reply_to}`);
        waiter?.(envelope.body);
      });
      socket.on("error", (err) => logErr(`connection to ${id}: ${err.message}`));
      return link;
    } catch {
      if (Date.now() > deadline) throw new Error(`node ${id} did not accept clients in time (did it answer init?)`);
      await sleep(100);
    }
  }
}

/** Sends one request and waits for its reply (undefined on timeout). */
function request(link: NodeLink, clientId: string, msgId: number, body: Record<string, unknown>, timeoutMs: number): Promise<Envelope["body"] | undefined> {
  return new Promise((resolve) => {
    const key = `${clientId}:${msgId}`;
    const timer = setTimeout(() => {
      pending.delete(key);
      resolve(undefined);
    }, timeoutMs);
    pending.set(key, (reply) => {
      clearTimeout(timer);
      pending.delete(key);
      resolve(reply);
    });
    link.socket.write(JSON.stringify({ src: clientId, dest: link.id, body: { ...body, msg_id: msgId } }) + "\n");
  });
}

async function main(): Promise<void> {
  const spec = controllerSpecSchema.parse(JSON.parse(process.env.LABGRADE_TEST ?? "null"));
  const workload = WORKLOADS[spec.workload];
  if (!workload) throw new Error(`unknown workload ${spec.workload}`);

  const readyStart = Date.now();
  const links = await Promise.all(spec.nodeIds.map((id) => connect(id, readyStart + spec.readyTimeoutMs)));
  const ctx = { nodeIds: spec.nodeIds, keyCount: spec.keyCount, topology: spec.topology };
  let setupMsgId = 0;

  // Setup requests (e.g. topology) come from client c0 and are not history.
  for (const { node, body } of workload.setup?.(ctx) ?? []) {
    const link = links.find((l) => l.id === node)!;
    const reply = await request(link, "c0", ++setupMsgId, body, spec.requestTimeoutMs);
    if (reply?.type !== `${body.type}_ok`) throw new Error(`node ${node} did not answer ${body.type} (got ${reply ? reply.type : "no reply"})`);
  }
  emit({ ready: { nodes: spec.nodeIds, waitedMs: Date.now() - readyStart } });

  const root = new Random(spec.seed);
  const t0 = performance.now();
  const nowUs = () => Math.round((performance.now() - t0) * 1000);
  const endAt = t0 + spec.durationMs;
  let index = 0;
  let operations = 0;
  const record = (event: Omit<HistoryEvent, "index">) => emit({ event: { index: index++, ...event } });

  /** Invokes one operation as `process` on `link` and records both ends. Returns false if the process must retire. */
  const perform = async (process: number, msgId: number, link: NodeLink, op: GeneratedOp, observe?: WorkloadClient["observe"], final = false) => {
    operations++;
    const phase = final ? { phase: "final" as const } : {};
    record({ type: "invoke", process, f: op.f, value: op.value, timeUs: nowUs(), node: link.id, ...phase });
    const reply = await request(link, `c${process + 1}`, msgId, op.body, spec.requestTimeoutMs);
    observe?.(op, reply);
    const base = { process, f: op.f, timeUs: nowUs(), node: link.id, ...phase };
    if (!reply) {
      record({ ...base, type: "info", value: null, error: { code: 0, text: `no reply within ${spec.requestTimeoutMs} ms` } });
      return false;
    }
    if (reply.type === `${op.body.type}_ok`) {
      record({ ...base, type: "ok", value: workload.okValue(op, reply) });
      return true;
    }
    if (reply.type === "error") {
      const code = typeof reply.code === "number" ? reply.code : 13;
      const type = completionTypeForError(code);
      record({ ...base, type, value: null, error: { code, text: String(reply.text ?? "") } });
      return type === "fail";
    }
    record({ ...base, type: "info", value: null, error: { code: 12, text: `unexpected reply type ${reply.type}` } });
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
    while (nextAt < endAt) {
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
  if (workload.finalOps) {
    await sleep(Math.max(0, endAt - performance.now()) + spec.recoveryMs);
    await Promise.all(
      links.map(async (link) => {
        const process = nextProcess++;
        let msgId = 0;
        for (const op of workload.finalOps!(ctx, link.id)) await perform(process, ++msgId, link, op, undefined, true);
      }),
    );
  }
  const elapsedMs = Math.round(performance.now() - t0);

  for (const link of links) {
    if (spec.protocol === "native") {
      // No agent between peers in native mode: nobody counts server messages.
      link.socket.destroy();
      continue;
    }
    const stats = await Promise.race([
      new Promise<AgentStats>((resolve) => {
        link.statsWaiter = resolve;
        link.socket.write('{"labgrade":"stats"}\n');
      }),
      sleep(2000).then(() => undefined),
    ]);
    if (stats) emit({ stats });
    else logErr(`node ${link.id} did not report its message counters`);
    link.socket.destroy();
  }
  emit({ done: { operations, elapsedMs } });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    emit({ fatal: { message: err instanceof Error ? err.message : String(err) } });
    process.exit(1);
  },
);
