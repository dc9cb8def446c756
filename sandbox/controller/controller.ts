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

async function main(): Promise<void> {
  const spec = controllerSpecSchema.parse(JSON.parse(process.env.LABGRADE_TEST ?? "null"));
  const workload = WORKLOADS[spec.workload];
  if (!workload) throw new Error(`unknown workload ${spec.workload}`);

  const readyStart = Date.now();
  const links = await Promise.all(spec.nodeIds.map((id) => connect(id, readyStart + spec.readyTimeoutMs)));
  emit({ ready: { nodes: spec.nodeIds, waitedMs: Date.now() - readyStart } });

  const root = new Random(spec.seed);
  const t0 = performance.now();
  const nowUs = () => Math.round((performance.now() - t0) * 1000);
  const endAt = t0 + spec.durationMs;
  let index = 0;
  let operations = 0;
  const record = (event: Omit<HistoryEvent, "index">) => emit({ event: { index: index++, ...event } });

  const client = async (slot: number) => {
    const rng = root.fork();
    let process = slot;
    let msgId = 0;
    const intervalMs = (1000 * spec.concurrency) / spec.ratePerSecond;
    let nextAt = t0 + rng.next() * intervalMs;
    while (nextAt < endAt) {
      const delay = nextAt - performance.now();
      if (delay > 0) await sleep(delay);
      if (performance.now() >= endAt) break;
      nextAt += intervalMs * (0.5 + rng.next());
      const op = workload.generate(rng);
      const link = rng.pick(links);
      const clientId = `c${process + 1}`;
      const id = ++msgId;
      operations++;
      record({ type: "invoke", process, f: op.f, value: op.value, timeUs: nowUs(), node: link.id });
      const reply = await new Promise<Envelope["body"] | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), spec.requestTimeoutMs);
        pending.set(`${clientId}:${id}`, (body) => {
          clearTimeout(timer);
          resolve(body);
        });
        link.socket.write(JSON.stringify({ src: clientId, dest: link.id, body: { ...op.body, msg_id: id } }) + "\n");
      });
      pending.delete(`${clientId}:${id}`);
      const base = { process, f: op.f, timeUs: nowUs(), node: link.id };
      if (!reply) {
        record({ ...base, type: "info", value: null, error: { code: 0, text: `no reply within ${spec.requestTimeoutMs} ms` } });
      } else if (reply.type === workload.okType(op)) {
        record({ ...base, type: "ok", value: workload.okValue(op, reply) });
        continue;
      } else if (reply.type === "error") {
        const code = typeof reply.code === "number" ? reply.code : 13;
        const type = completionTypeForError(code);
        record({ ...base, type, value: null, error: { code, text: String(reply.text ?? "") } });
        if (type === "fail") continue;
      } else {
        record({ ...base, type: "info", value: null, error: { code: 12, text: `unexpected reply type ${reply.type}` } });
      }
      // An indeterminate operation may still take effect later: as in Jepsen,
      // this client continues as a new process so histories stay well-formed.
      process += spec.concurrency;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, (_, slot) => client(slot)));
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
