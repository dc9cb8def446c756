// The tester's connections to the peer hosts' control ports (Contract 2:
// TCP, JSON lines, one connection per peer): requests matched to replies by
// id, the hello line first on every connection (with the snapshot the peer's
// Persister held at start), the stream of applies handed to the tester in
// order, and a new connection after the peer's container was restarted.
// A connection that ends when the tester did not crash the peer means the
// peer process stopped on its own: every request to it then fails at once,
// naming the reason.
import net from "node:net";
import { LineSplitter } from "../../../agent/wire.js";
import { nodeName } from "./checks.js";
import type { ApplyMessage, ControlReply, ControlRequest, Hello, PeerHosts } from "./tester.js";

/** Longest line read from a peer host (an apply with a snapshot, a 5000-character command). */
export const MAX_CONTROL_LINE_BYTES = 8 * 1024 * 1024;

export interface PeerAddress {
  host: string;
  port: number;
}

/** n<i>:7001 unless the spec names other addresses. */
export function peerAddresses(nodeIds: readonly string[], overrides: readonly string[] | undefined): PeerAddress[] {
  return nodeIds.map((id, i) => {
    const given = overrides?.[i];
    if (!given) return { host: id, port: 7001 };
    const at = given.lastIndexOf(":");
    return { host: given.slice(0, at), port: Number(given.slice(at + 1)) };
  });
}

interface Connection {
  socket: net.Socket;
  pending: Map<number, (reply: ControlReply | undefined) => void>;
  /** Why the connection is gone (a peer process that stopped), once it is. */
  lost?: string;
}

function logErr(line: string): void {
  process.stderr.write(`[controller] ${line}\n`);
}

export class TcpPeerHosts implements PeerHosts {
  readonly n: number;
  private readonly conns: Array<Connection | null>;
  private readonly expectingEnd: boolean[];
  private nextId = 1;
  onApply: (peer: number, msg: ApplyMessage) => void = () => undefined;
  onHello: (peer: number, hello: Hello) => void = () => undefined;

  constructor(
    private readonly addresses: readonly PeerAddress[],
    private readonly opts: { requestTimeoutMs: number; restartTimeoutMs: number },
  ) {
    this.n = addresses.length;
    this.conns = new Array<Connection | null>(this.n).fill(null);
    this.expectingEnd = new Array<boolean>(this.n).fill(false);
  }

  /** Connects to every peer; resolves with their hellos, or throws naming the peer that never said hello by the deadline. */
  async connectAll(deadline: number): Promise<Hello[]> {
    return Promise.all(
      this.addresses.map(async (_, peer) => {
        const hello = await this.connect(peer, deadline);
        if (!hello) throw new Error(`${nodeName(peer)}'s peer host did not accept the tester's connection and say hello in time (did the build produce it, and does Make() return quickly?)`);
        return hello;
      }),
    );
  }

  private async connect(peer: number, deadline: number): Promise<Hello | undefined> {
    const { host, port } = this.addresses[peer]!;
    while (Date.now() < deadline) {
      const hello = await new Promise<Hello | undefined>((resolve) => {
        const socket = net.connect({ host, port });
        const conn: Connection = { socket, pending: new Map() };
        let greeted = false;
        // A connection the peer host accepted is waited on until the deadline, never dropped for
        // another: the host streams its applies to the newest connection, and lines it wrote to
        // one we had given up on would be lost to the tester.
        const attempt = setTimeout(() => {
          if (!greeted) socket.destroy();
        }, Math.max(100, deadline - Date.now()));
        const lines = new LineSplitter(
          MAX_CONTROL_LINE_BYTES,
          (line) => {
            let value: unknown;
            try {
              value = JSON.parse(line);
            } catch {
              logErr(`${nodeName(peer)} sent a control line that is not JSON`);
              return;
            }
            if (typeof value !== "object" || value === null) return;
            const v = value as Record<string, unknown>;
            if (!greeted) {
              if (!isHello(v.hello)) {
                logErr(`${nodeName(peer)}'s first control line is not its hello`);
                socket.destroy();
                return;
              }
              greeted = true;
              clearTimeout(attempt);
              this.conns[peer] = conn;
              this.expectingEnd[peer] = false;
              this.onHello(peer, v.hello);
              resolve(v.hello);
              return;
            }
            if (typeof v.id === "number") {
              conn.pending.get(v.id)?.(v as ControlReply);
              return;
            }
            const apply = asApply(v.apply);
            if (apply) this.onApply(peer, apply);
            // An ApplyMsg with neither flag set is passed on by the peer host; the course's applier ignores it too.
            else if ("apply" in v && !isEmptyApply(v.apply)) logErr(`${nodeName(peer)} sent an apply the tester cannot read`);
          },
          () => {
            logErr(`${nodeName(peer)} sent a control line over ${MAX_CONTROL_LINE_BYTES} bytes; connection closed`);
            socket.destroy();
          },
        );
        socket.setNoDelay(true);
        socket.on("data", (chunk: Buffer) => lines.push(chunk));
        socket.on("error", () => undefined);
        socket.on("close", () => {
          clearTimeout(attempt);
          if (!greeted) {
            resolve(undefined);
            return;
          }
          if (this.conns[peer] === conn) {
            conn.lost = this.expectingEnd[peer] ? "it was crashed" : "its control connection closed (did the peer process exit? its log says why)";
            if (!this.expectingEnd[peer]) logErr(`connection to ${nodeName(peer)} closed unexpectedly`);
          }
          for (const done of conn.pending.values()) done(conn.lost ? { error: conn.lost } : undefined);
          conn.pending.clear();
        });
      });
      if (hello) return hello;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  request(peer: number, req: ControlRequest): Promise<ControlReply | undefined> {
    const conn = this.conns[peer];
    if (!conn) return Promise.resolve(undefined);
    if (conn.lost) return Promise.resolve(this.expectingEnd[peer] ? undefined : { error: conn.lost });
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        conn.pending.delete(id);
        resolve(undefined);
      }, this.opts.requestTimeoutMs);
      conn.pending.set(id, (reply) => {
        clearTimeout(timer);
        conn.pending.delete(id);
        resolve(reply);
      });
      conn.socket.write(JSON.stringify({ id, ...req }) + "\n");
    });
  }

  crashing(peer: number): void {
    this.expectingEnd[peer] = true;
  }

  async reconnect(peer: number): Promise<Hello | undefined> {
    this.conns[peer]?.socket.destroy();
    this.conns[peer] = null;
    return this.connect(peer, Date.now() + this.opts.restartTimeoutMs);
  }

  close(): void {
    this.expectingEnd.fill(true);
    for (const conn of this.conns) conn?.socket.destroy();
  }
}

function isHello(v: unknown): v is Hello {
  if (typeof v !== "object" || v === null) return false;
  const h = v as Partial<Hello>;
  const r = h.restored as Partial<Hello["restored"]> | undefined;
  return typeof h.me === "number" && typeof r === "object" && r !== null && typeof r.raftStateBytes === "number" && typeof r.snapshotBytes === "number";
}

function asApply(v: unknown): ApplyMessage | null {
  if (typeof v !== "object" || v === null) return null;
  const a = v as Record<string, unknown>;
  if (a.commandValid === true && Number.isInteger(a.commandIndex)) return { commandValid: true, command: a.command, commandIndex: a.commandIndex as number };
  if (a.snapshotValid === true && typeof a.snapshot === "string" && Number.isInteger(a.snapshotIndex) && Number.isInteger(a.snapshotTerm)) {
    return { snapshotValid: true, snapshot: a.snapshot, snapshotIndex: a.snapshotIndex as number, snapshotTerm: a.snapshotTerm as number };
  }
  return null;
}

function isEmptyApply(v: unknown): boolean {
  return typeof v === "object" && v !== null && (v as { commandValid?: unknown }).commandValid !== true && (v as { snapshotValid?: unknown }).snapshotValid !== true;
}
