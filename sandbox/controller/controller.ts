// The test controller: the client side of one test, run in its own container
// on the cluster's network. It waits for every node to accept clients, drives
// the workload at the suite's rate and concurrency from the seed, and writes
// its record (the history, the agents' counters, what happened) to a file on
// the history volume, one ControllerLine per line between a header and an end
// line, so the runner can tell a whole record from a cut one (spec.ts). The
// runner reads the file through the Docker API, so a runner can drive a remote
// engine without any network route into the lab network. Only the `ready`
// line also goes to stdout: the runner follows it to start the fault schedule.
//
// What a node sends is bounded before it is recorded: a frame over
// MAX_FRAME_BYTES ends that node's connection as a limit violation, error
// texts are cut to MAX_ERROR_TEXT_CHARS, and the whole record stops at
// MAX_RECORD_BYTES (also a violation), so no node decides how much we store.
import { closeSync, openSync, writeSync } from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import { completionTypeForError, type HistoryEvent } from "../../lib/history.js";
import { Random } from "../../lib/random.js";
import { workloadNamed } from "../../lib/workloads/index.js";
import type { GeneratedOp, WorkloadClient } from "../../lib/workloads/types.js";
import { CLIENT_PORT, LineSplitter, MAX_FRAME_BYTES, MAX_LINE_BYTES, asEnvelope, type AgentFrame, type AgentStats, type ControllerFrame, type Envelope } from "../agent/wire.js";
import { controllerSpecSchema, MAX_ERROR_TEXT_CHARS, MAX_RECORD_BYTES, RECORD_DIR, RECORD_FILE, RECORD_FORMAT, type ControllerLine, type LimitViolation } from "./spec.js";

function logErr(line: string): void {
  process.stderr.write(`[controller] ${line}\n`);
}

/** The record file: every line counted, the size bounded. */
class RecordFile {
  private fd: number;
  private lines = 0;
  private bytes = 0;
  /** Set once the record reached MAX_RECORD_BYTES: the test winds down. */
  full = false;

  constructor(path: string) {
    this.fd = openSync(path, "w", 0o644);
  }

  write(line: ControllerLine): void {
    if (this.full && !("done" in line || "fatal" in line || "violation" in line)) return;
    const text = JSON.stringify(line) + "\n";
    if (!this.full && this.bytes + text.length > MAX_RECORD_BYTES) {
      this.full = true;
      this.write({ violation: { limit: "record_size", detail: `the test's record grew past ${MAX_RECORD_BYTES / 1024 / 1024} MiB (replies too large or too many); the test was stopped` } });
      return;
    }
    writeSync(this.fd, text);
    this.lines++;
    this.bytes += text.length;
  }

  close(): void {
    writeSync(this.fd, JSON.stringify({ end: { lines: this.lines } } satisfies ControllerLine) + "\n");
    closeSync(this.fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface NodeLink {
  id: string;
  socket: net.Socket;
  statsWaiter?: (stats: AgentStats) => void;
}

/** Requests waiting for their reply, by node, client and msg_id: a node answers only what was sent to it. */
const pending = new Map<string, (body: Envelope["body"]) => void>();

/**
 * Maelstrom mode: our agent answers, in frames (wire.ts). Native mode: the
 * program itself serves clients, one plain envelope per line.
 */
let framed = true;

async function connect(id: string, deadline: number, onViolation: (v: LimitViolation) => void): Promise<NodeLink> {
  for (;;) {
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: id, port: CLIENT_PORT });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
      socket.setNoDelay(true);
      const link: NodeLink = { id, socket };
      const frames = new LineSplitter(
        MAX_FRAME_BYTES,
        (line) => {
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            return;
          }
          const frame = (framed ? value : { kind: "envelope", envelope: value }) as AgentFrame | null;
          if (frame?.kind === "stats") {
            if (typeof frame.stats === "object" && frame.stats !== null) link.statsWaiter?.(frame.stats);
            return;
          }
          const envelope = frame?.kind === "envelope" ? asEnvelope(frame.envelope) : undefined;
          if (!envelope || typeof envelope.body.in_reply_to !== "number") return;
          pending.get(`${id}:${envelope.dest}:${envelope.body.in_reply_to}`)?.(envelope.body);
        },
        () => {
          onViolation({ node: id, limit: "reply_size", detail: `${id} sent a reply larger than ${MAX_LINE_BYTES / 1024 / 1024} MiB; its client connection was closed` });
          socket.destroy();
        },
      );
      socket.on("data", (chunk: Buffer) => frames.push(chunk));
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
    const key = `${link.id}:${clientId}:${msgId}`;
    const timer = setTimeout(() => {
      pending.delete(key);
      resolve(undefined);
    }, timeoutMs);
    pending.set(key, (reply) => {
      clearTimeout(timer);
      pending.delete(key);
      resolve(reply);
    });
    const envelope: Envelope = { src: clientId, dest: link.id, body: { ...body, type: String(body.type), msg_id: msgId } };
    const frame: ControllerFrame | Envelope = framed ? { kind: "envelope", envelope } : envelope;
    if (!link.socket.destroyed) link.socket.write(JSON.stringify(frame) + "\n");
  });
}

/** A node's error text, bounded. */
function errorText(text: unknown): string {
  const s = typeof text === "string" ? text : text === undefined ? "" : JSON.stringify(text) ?? "";
  return s.length > MAX_ERROR_TEXT_CHARS ? `${s.slice(0, MAX_ERROR_TEXT_CHARS)}… (${s.length} characters, cut)` : s;
}

async function main(record: RecordFile): Promise<void> {
  const spec = controllerSpecSchema.parse(JSON.parse(process.env.LABGRADE_TEST ?? "null"));
  const workload = workloadNamed(spec.workload);
  if (!workload) throw new Error(`unknown workload ${spec.workload}`);
  record.write({ header: { format: RECORD_FORMAT, seed: spec.seed, workload: spec.workload } });
  framed = spec.protocol === "maelstrom";
  const violate = (v: LimitViolation) => record.write({ violation: v });

  const readyStart = Date.now();
  const links = await Promise.all(spec.nodeIds.map((id) => connect(id, readyStart + spec.readyTimeoutMs, violate)));
  const ctx = { nodeIds: spec.nodeIds, options: workload.options.parse(spec.options) };
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
  if (workload.finalOps && !stopped()) {
    await sleep(Math.max(0, endAt - performance.now()) + spec.recoveryMs);
    await Promise.all(
      links.map(async (link) => {
        const process = nextProcess++;
        let msgId = 0;
        for (const op of workload.finalOps!(ctx, link.id)) {
          if (stopped()) break;
          await perform(process, ++msgId, link, op, undefined, true);
        }
      }),
    );
  }
  const elapsedMs = Math.round(performance.now() - t0);

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
    link.socket.destroy();
  }
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
