// The controller's end of the fault channel (Contract 3): a fault the test
// decides while it runs is one line on the controller's stdout,
// {"fault":{"id":12,"kind":"disconnect","node":"n2"}}, and the runner, which
// follows that stream and carries faults out through the Docker API, answers
// on the controller's stdin: {"faultDone":{"id":12,"ok":true,"atMs":5120,
// "detail":"…"}}. A fault the runner does not answer in time, or a channel
// that closes, is our failure, never the student's.
import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { RaftTesterError } from "./checks.js";
import type { FaultAnswer, FaultChannel, FaultKind } from "./tester.js";

export class StdioFaultChannel implements FaultChannel {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: FaultAnswer | Error) => void>();
  private closed: string | null = null;
  private readonly lines: readline.Interface;

  constructor(
    private readonly out: Writable,
    input: Readable,
    private readonly timeoutMs: number,
  ) {
    this.lines = readline.createInterface({ input, crlfDelay: Infinity });
    this.lines.on("line", (line) => this.answer(line));
    this.lines.on("close", () => {
      this.closed = "the runner closed the fault channel (the controller's stdin)";
      for (const done of this.pending.values()) done(new RaftTesterError("raft.fault-channel-closed", this.closed));
      this.pending.clear();
    });
  }

  order(kind: FaultKind, node?: string, peer?: string): Promise<FaultAnswer> {
    if (this.closed) return Promise.reject(new RaftTesterError("raft.fault-channel-closed", this.closed));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RaftTesterError("raft.fault-timeout", `the runner did not carry out fault ${id} (${kind}${node ? ` ${node}` : ""}${peer ? `–${peer}` : ""}) within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (answer instanceof Error) reject(answer);
        else resolve(answer);
      });
      this.out.write(JSON.stringify({ fault: { id, kind, ...(node ? { node } : {}), ...(peer ? { peer } : {}) } }) + "\n");
    });
  }

  private answer(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return;
    }
    const done = (value as { faultDone?: unknown } | null)?.faultDone;
    if (typeof done !== "object" || done === null) return;
    const d = done as { id?: unknown; ok?: unknown; atMs?: unknown; detail?: unknown };
    if (typeof d.id !== "number" || typeof d.ok !== "boolean") return;
    this.pending.get(d.id)?.({ ok: d.ok, ...(typeof d.atMs === "number" ? { atMs: d.atMs } : {}), ...(typeof d.detail === "string" ? { detail: d.detail } : {}) });
  }

  close(): void {
    this.lines.close();
  }
}
