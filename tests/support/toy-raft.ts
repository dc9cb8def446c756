// A toy Raft cluster for our own tests of the raft driver: deliberately
// simple agreement (an all-seeing leader: the lowest-numbered peer of a
// connected majority; a commit is applied at once by every connected live
// peer, and later by the others as they come back), with switches that break
// it on purpose (two leaders in a term, disagreeing or out-of-order applies,
// no commit, too many RPCs). Three ways in: ToyPeerHosts and ToyFaults drive
// it in memory (the tester's unit tests); ToyControlServers serve Contract 2
// over loopback TCP and ToyRunner answers the fault channel's lines (the
// driver's plumbing test). It is not Raft and checks nothing itself.
import net from "node:net";
import type { Readable, Writable } from "node:stream";
import readline from "node:readline";
import type { ApplyMessage, ControlReply, ControlRequest, FaultAnswer, FaultChannel, FaultKind, Hello, PeerHosts } from "../../sandbox/programs/controller/drivers/raft/tester.js";

export type ToyBug = "twoLeaders" | "noCommit" | "divergent" | "gap" | "manyRpcs" | "neverLeads" | "snapshotMismatch" | "keepsWholeLog";

type Sink = (msg: ApplyMessage) => void;

export class ToyRaftCluster {
  readonly alive: boolean[];
  readonly cut: boolean[];
  term = 1;
  leader: number | null = 0;
  private readonly knownTerm: number[];
  /** The term each peer believes it leads (null: none). */
  private readonly leadsTerm: Array<number | null>;
  /** The one agreed log: index 1.. */
  readonly log: unknown[] = [null];
  private readonly applied: number[];
  private readonly snapshots: Array<{ index: number; data: string } | null>;
  private readonly sinks: Array<Sink | null>;
  private readonly queues: ApplyMessage[][];
  readonly rpcs: number[];
  readonly bytesSent: number[];
  /** Every fault the toy was asked to carry out, in order. */
  readonly faults: string[] = [];
  unreliable = false;
  /** Report argsBytes (the encoded arguments only) in rpcStats, as labrpc counts bytes. */
  reportArgsBytes = false;
  readonly argsBytes: number[];

  constructor(
    readonly n: number,
    readonly bugs: ReadonlySet<ToyBug> = new Set(),
  ) {
    this.alive = new Array<boolean>(n).fill(true);
    this.cut = new Array<boolean>(n).fill(false);
    this.knownTerm = new Array<number>(n).fill(1);
    this.leadsTerm = new Array<number | null>(n).fill(null);
    this.leadsTerm[0] = 1;
    this.applied = new Array<number>(n).fill(0);
    this.snapshots = new Array<{ index: number; data: string } | null>(n).fill(null);
    this.sinks = new Array<Sink | null>(n).fill(null);
    this.queues = Array.from({ length: n }, () => []);
    this.rpcs = new Array<number>(n).fill(1);
    this.bytesSent = new Array<number>(n).fill(100);
    this.argsBytes = new Array<number>(n).fill(0);
    if (bugs.has("neverLeads")) {
      this.leader = null;
      this.leadsTerm[0] = null;
    }
  }

  private reachable(i: number): boolean {
    return this.alive[i]! && !this.cut[i]!;
  }

  /** Whether the connected live peers are a majority (every cut peer talks to nobody). */
  private quorum(): boolean {
    return Array.from({ length: this.n }, (_, i) => i).filter((i) => this.reachable(i)).length * 2 > this.n;
  }

  /**
   * Who leads now: the current leader while it is connected and the connected
   * peers are a majority, else the lowest-numbered connected peer when they
   * are. A leader cut off goes on believing it leads its old term, as a real
   * one does, until it hears of a later term. Run when a peer is asked
   * something, so faults ordered back to back see no election in between.
   */
  private elect(): void {
    if (this.bugs.has("neverLeads")) return;
    const group = Array.from({ length: this.n }, (_, i) => i).filter((i) => this.reachable(i));
    if (group.length * 2 <= this.n) return;
    if (this.leader === null || !group.includes(this.leader)) {
      this.leader = group[0]!;
      this.term++;
      this.leadsTerm[this.leader] = this.term;
    }
    for (const i of group) this.knownTerm[i] = this.term;
    for (const i of group) this.catchUp(i);
  }

  state(i: number): { term: number; isLeader: boolean } {
    this.elect();
    if (this.bugs.has("twoLeaders") && i <= 1 && this.reachable(i)) return { term: this.term, isLeader: true };
    return { term: this.knownTerm[i]!, isLeader: this.alive[i]! && this.leadsTerm[i] === this.knownTerm[i] };
  }

  start(i: number, command: unknown): { index: number; term: number; isLeader: boolean } {
    const s = this.state(i);
    if (!s.isLeader) return { index: this.log.length, term: s.term, isLeader: false };
    // A leader without a majority accepts the command, which never commits.
    if (this.leader !== i || !this.reachable(i) || !this.quorum()) return { index: this.log.length, term: s.term, isLeader: true };
    this.log.push(command);
    const index = this.log.length - 1;
    this.rpcs[i]! += (this.n - 1) * (this.bugs.has("manyRpcs") ? 10 : 1);
    this.bytesSent[i]! += (JSON.stringify(command).length + 60) * (this.n - 1) * (this.bugs.has("manyRpcs") ? 10 : 1);
    this.argsBytes[i]! += (JSON.stringify(command).length + 40) * (this.n - 1);
    if (!this.bugs.has("noCommit")) setTimeout(() => this.replicate(), 1);
    return { index, term: this.term, isLeader: true };
  }

  private replicate(): void {
    for (let i = 0; i < this.n; i++) if (this.reachable(i)) this.catchUp(i);
  }

  /** Applies what peer i has not applied yet (a snapshot first when it is behind the leader's). */
  private catchUp(i: number): void {
    if (this.bugs.has("noCommit")) return;
    const lead = this.leader;
    const snap = lead === null ? null : this.snapshots[lead];
    if (snap && snap.index > this.applied[i]! && i !== lead) {
      this.applied[i] = snap.index;
      this.snapshots[i] = snap;
      const index = this.bugs.has("snapshotMismatch") ? snap.index + 1 : snap.index;
      this.emit(i, { snapshotValid: true, snapshot: snap.data, snapshotTerm: this.term, snapshotIndex: index });
    }
    while (this.applied[i]! < this.log.length - 1) {
      let index = ++this.applied[i]!;
      if (this.bugs.has("gap") && i === this.n - 1 && index === 2) index = ++this.applied[i]!;
      let command = this.log[index];
      if (this.bugs.has("divergent") && i === this.n - 1 && index === 2) command = typeof command === "number" ? command + 1 : `${String(command)}x`;
      this.emit(i, { commandValid: true, command, commandIndex: index });
    }
  }

  private emit(i: number, msg: ApplyMessage): void {
    const sink = this.sinks[i];
    if (sink) sink(msg);
    else this.queues[i]!.push(msg);
  }

  /** A tester connected to peer i: queued applies go to it first. */
  attach(i: number, sink: Sink | null): void {
    this.sinks[i] = sink;
    if (!sink) return;
    const queued = this.queues[i]!.splice(0);
    for (const msg of queued) sink(msg);
    if (this.reachable(i)) this.catchUp(i);
  }

  hello(i: number): Hello {
    const snap = this.snapshots[i];
    return { me: i, layout: "2025", restored: { raftStateBytes: this.persistBytes(i), snapshotBytes: snap ? snap.data.length : 0, snapshot: snap?.data ?? "" } };
  }

  persistBytes(i: number): number {
    return 20 + (this.log.length - 1 - (this.snapshots[i]?.index ?? 0)) * 10;
  }

  snapshot(i: number, index: number, data: string): void {
    if (this.bugs.has("keepsWholeLog")) return;
    this.snapshots[i] = { index, data };
  }

  /** Cut links and pauses are recorded only: the toy's all-seeing leader does not need the network. */
  fault(kind: FaultKind, node?: string, peer?: string): FaultAnswer {
    const i = node === undefined ? -1 : Number(node.slice(1));
    this.faults.push(`${kind}${node ? ` ${node}` : ""}${peer ? `–${peer}` : ""}`);
    switch (kind) {
      case "disconnect":
        this.cut[i] = true;
        break;
      case "connect":
        this.cut[i] = false;
        break;
      case "crash":
        this.alive[i] = false;
        this.leadsTerm[i] = null;
        if (this.leader === i) this.leader = null;
        this.sinks[i] = null;
        this.queues[i] = [];
        break;
      case "restart":
        this.alive[i] = true;
        this.applied[i] = this.snapshots[i]?.index ?? 0;
        this.rpcs[i] = 0;
        this.bytesSent[i] = 0;
        break;
      case "unreliable":
      case "longReordering":
        this.unreliable = true;
        break;
      default:
        break;
    }
    // Elections happen when someone next asks (state, start): faults ordered back to back see none in between.
    if (kind === "connect" || kind === "restart") this.elect();
    return { ok: true, detail: `${kind}${node ? ` ${node}` : ""} done by the toy` };
  }

  /** Contract 2's requests, answered by peer i. */
  handle(i: number, req: ControlRequest): ControlReply {
    switch (req.op) {
      case "start":
        return this.start(i, req.command);
      case "state":
        return this.state(i);
      case "snapshot":
        this.snapshot(i, req.index, req.snapshot);
        return { ok: true };
      case "persistBytes":
        return { bytes: this.persistBytes(i) };
      case "rpcStats":
        return { rpcs: this.rpcs[i]!, bytesSent: this.bytesSent[i]!, bytesReceived: 0, ...(this.reportArgsBytes ? { argsBytes: this.argsBytes[i]! } : {}) };
      case "kill":
        return { ok: true };
    }
  }
}

/** The toy as the tester's PeerHosts, in memory. */
export class ToyPeerHosts implements PeerHosts {
  readonly n: number;
  onApply: (peer: number, msg: ApplyMessage) => void = () => undefined;
  onHello: (peer: number, hello: Hello) => void = () => undefined;
  constructor(readonly toy: ToyRaftCluster) {
    this.n = toy.n;
    queueMicrotask(() => {
      for (let i = 0; i < this.n; i++) toy.attach(i, (msg) => this.onApply(i, msg));
    });
  }
  /** Answered on a later turn of the event loop, as over a network (a client loop that never waits on a timer still lets timers run). */
  request(peer: number, req: ControlRequest): Promise<ControlReply | undefined> {
    return new Promise((resolve) => setImmediate(() => resolve(this.toy.alive[peer] ? this.toy.handle(peer, req) : undefined)));
  }
  crashing(): void {}
  reconnect(peer: number): Promise<Hello | undefined> {
    const hello = this.toy.hello(peer);
    this.onHello(peer, hello);
    this.toy.attach(peer, (msg) => this.onApply(peer, msg));
    return Promise.resolve(hello);
  }
}

/** The toy's fault side, in memory. */
export class ToyFaults implements FaultChannel {
  constructor(
    readonly toy: ToyRaftCluster,
    readonly answer: (kind: FaultKind) => FaultAnswer | null = () => null,
  ) {}
  order(kind: FaultKind, node?: string, peer?: string): Promise<FaultAnswer> {
    return Promise.resolve(this.answer(kind) ?? this.toy.fault(kind, node, peer));
  }
}

/** Contract 2 over loopback TCP: one server per toy peer; a crash closes it, a restart listens again on the same port. */
export class ToyControlServers {
  private readonly servers: Array<net.Server | null>;
  private readonly sockets: Array<net.Socket | null>;
  readonly ports: number[] = [];
  /** Connections accepted per peer (a restart makes a new one). */
  readonly connections: number[];

  constructor(readonly toy: ToyRaftCluster) {
    this.servers = new Array<net.Server | null>(toy.n).fill(null);
    this.sockets = new Array<net.Socket | null>(toy.n).fill(null);
    this.connections = new Array<number>(toy.n).fill(0);
  }

  async listen(): Promise<string[]> {
    for (let i = 0; i < this.toy.n; i++) this.ports[i] = await this.serve(i, 0);
    return this.ports.map((p) => `127.0.0.1:${p}`);
  }

  private serve(i: number, port: number): Promise<number> {
    const server = net.createServer((socket) => {
      this.connections[i]!++;
      this.sockets[i]?.destroy();
      this.sockets[i] = socket;
      const send = (v: unknown) => socket.write(JSON.stringify(v) + "\n");
      send({ hello: this.toy.hello(i) });
      this.toy.attach(i, (msg) => send({ apply: msg }));
      readline.createInterface({ input: socket }).on("line", (line) => {
        const req = JSON.parse(line) as ControlRequest & { id: number };
        send({ id: req.id, ...this.toy.handle(i, req) });
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        if (this.sockets[i] === socket) this.toy.attach(i, null);
      });
    });
    this.servers[i] = server;
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)));
  }

  crash(i: number): void {
    this.servers[i]?.close();
    this.servers[i] = null;
    this.sockets[i]?.destroy();
    this.sockets[i] = null;
  }

  async restart(i: number): Promise<void> {
    await this.serve(i, this.ports[i]!);
  }

  close(): void {
    for (let i = 0; i < this.toy.n; i++) this.crash(i);
  }
}

/** The runner's end of the fault channel for the toy: reads fault lines from `out`, carries them out, answers on `input`. */
export class ToyRunner {
  readonly asked: Array<{ id: number; kind: FaultKind; node?: string }> = [];
  /** Lines the controller printed that were not faults (its ready line). */
  readonly otherLines: string[] = [];
  constructor(
    out: Readable,
    input: Writable,
    servers: ToyControlServers,
    opts: { silent?: boolean; onReady?: () => void } = {},
  ) {
    readline.createInterface({ input: out }).on("line", (line) => {
      const v = JSON.parse(line) as { fault?: { id: number; kind: FaultKind; node?: string }; ready?: unknown };
      if (!v.fault) {
        this.otherLines.push(line);
        if (v.ready) opts.onReady?.();
        return;
      }
      const f = v.fault;
      this.asked.push(f);
      if (opts.silent) return;
      void (async () => {
        const peer = f.node === undefined ? -1 : Number(f.node.slice(1));
        if (f.kind === "crash") servers.crash(peer);
        const answer = servers.toy.fault(f.kind, f.node);
        if (f.kind === "restart") await servers.restart(peer);
        input.write(JSON.stringify({ faultDone: { id: f.id, ok: answer.ok, atMs: 0, detail: answer.detail } }) + "\n");
      })();
    });
  }
}
