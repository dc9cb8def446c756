// The node agent: the program of every node container in Maelstrom mode
// (under the engine's init, which reaps whatever the student's program
// orphans). It starts the student's program, delivers `init`, carries the
// program's node-to-node and node-to-service envelopes over the real network
// (UDP, see wire.ts) and hands client traffic in and out over the
// controller's TCP connection, in frames only it and the controller write.
//
// Invariant: the agent never holds, retries or reorders a message. A datagram
// the firewall drops is gone; faults are the network's business, not ours.
// Everything it prints itself is bounded (a node cannot make the agent flood
// the log), and no line of the program's output is held beyond MAX_LINE_BYTES.
//
// Names come from the cluster's fixed hosts table (LABGRADE_CLUSTER_HOSTS), so
// the agent asks no DNS server; a datagram is passed to the program only when
// it is addressed to this node and comes from the address of the node or
// service its `src` names.
//
// Native mode (LABGRADE_PROTOCOL=native): the agent only supervises. The
// program brings its own transport; it is told its id, its peer port and its
// peers' addresses, and serves clients itself on LABGRADE_CLIENT_PORT.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { parseHostsEnv } from "../../addressing.js";
import {
  AGENT_STARTED,
  CLIENT_PORT,
  EXIT_LINE_TOO_LONG,
  EXIT_NO_INIT_OK,
  INIT_TIMEOUT_MS,
  LineSplitter,
  MAX_DATAGRAM_BYTES,
  MAX_FRAME_BYTES,
  MAX_LINE_BYTES,
  PEER_PORT,
  asEnvelope,
  envelopeFrame,
  isClientId,
  oneLine,
  parseEnvelope,
  type AgentFrame,
  type AgentStats,
  type ControllerFrame,
  type Envelope,
} from "./wire.js";
import { MessageJournal } from "./journal.js";

/** What the agent itself may write to the node's log in all; the rest is counted. */
const AGENT_LOG_BUDGET_BYTES = 64 * 1024;
/** The node program's log (stderr) we pass on, in bytes; the rest is counted, not kept. */
const OUTPUT_BUDGET_BYTES = 768 * 1024;
/** Lines of one kind of complaint logged one by one before they are only counted. */
const COMPLAINTS_LOGGED = 10;

let agentLogBytes = 0;
let agentLogDropped = 0;
// The agent's lines go to stderr with the program's log, so the node's log
// reads in time order; they have a budget of their own.
function log(line: string): void {
  const text = `[agent ${new Date().toISOString()}] ${line}\n`;
  if (agentLogBytes + text.length > AGENT_LOG_BUDGET_BYTES) {
    agentLogDropped++;
    return;
  }
  agentLogBytes += text.length;
  process.stderr.write(text);
}

/** Logs the first few of a kind of complaint, then says the rest are only counted. */
function complaint(what: string): (line: string) => void {
  let seen = 0;
  return (line) => {
    seen++;
    if (seen <= COMPLAINTS_LOGGED) log(line);
    else if (seen === COMPLAINTS_LOGGED + 1) log(`more ${what} follow; counting them without logging`);
  };
}

/**
 * Passes the program's log on up to a byte budget, then drops and counts, so a
 * node that floods its output costs neither the engine's CPU nor the start of
 * its own log (which the report shows).
 */
function outputBudget(): { write(chunk: Buffer): void } {
  let passed = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const report = () => {
    timer = undefined;
    log(`${dropped} bytes of the node's log dropped so far (it may log ${OUTPUT_BUDGET_BYTES} bytes)`);
  };
  return {
    write(chunk) {
      const room = OUTPUT_BUDGET_BYTES - passed;
      if (room > 0) {
        const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
        process.stderr.write(part);
        passed += part.length;
        dropped += chunk.length - part.length;
      } else {
        dropped += chunk.length;
      }
      // One summary a second at most: the agent's own budget lasts the whole test.
      if (dropped > 0 && !timer) timer = setTimeout(report, 1000);
    },
  };
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    log(`missing environment variable ${name}`);
    process.exit(2);
  }
  return value;
}

const nodeId = requireEnv("LABGRADE_NODE_ID");
// The first line of every node log: a log read back without it lost its start (wire.ts, AGENT_STARTED).
log(`${AGENT_STARTED} for ${nodeId}`);
const nodeIds = requireEnv("LABGRADE_NODE_IDS").split(",");
const runCommand = requireEnv("LABGRADE_RUN_COMMAND");
const workdir = process.env.LABGRADE_WORKDIR ?? "/work/src";
const hosts = parseHostsEnv(process.env.LABGRADE_CLUSTER_HOSTS ?? "");

if (process.env.LABGRADE_PROTOCOL === "native") {
  const peers = nodeIds.filter((id) => id !== nodeId).map((id) => `${id}=${id}:${PEER_PORT}`);
  const native = spawn("/bin/sh", ["-c", runCommand], {
    cwd: workdir,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      LABGRADE_PORT: String(PEER_PORT),
      LABGRADE_CLIENT_PORT: String(CLIENT_PORT),
      LABGRADE_PEERS: peers.join(","),
    },
  });
  log(`native mode: started the node program (peers ${peers.join(", ") || "none"})`);
  const budget = outputBudget();
  native.stdout.on("data", (chunk: Buffer) => budget.write(chunk));
  native.stderr.on("data", (chunk: Buffer) => budget.write(chunk));
  native.on("error", (err) => {
    log(`could not start the node program: ${err.message}`);
    process.exit(127);
  });
  native.on("exit", (code, signal) => {
    log(`node program exited (${signal ?? `code ${code}`})`);
    process.exit(code ?? 128);
  });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => native.kill("SIGKILL"));
} else {
  runMaelstromAgent();
}

function runMaelstromAgent(): void {
  const stats: AgentStats = {
    node: nodeId,
    serverMessagesSent: 0,
    serverMessagesReceived: 0,
    clientMessagesIn: 0,
    clientMessagesOut: 0,
    oversizeDropped: 0,
    malformedStdoutLines: 0,
    unknownDestinations: 0,
    refusedDatagrams: 0,
    sentByType: Object.create(null) as Record<string, number>,
  };
  const logMalformed = complaint("lines that are not envelopes");
  const logUnknown = complaint("messages to unknown destinations");
  const logRefused = complaint("refused datagrams");
  const logOversize = complaint("envelopes too large for a datagram");
  // Every envelope carried for the node, header only, bounded (journal.ts).
  const journal = new MessageJournal();

  const program = spawn("/bin/sh", ["-c", runCommand], { cwd: workdir, stdio: ["pipe", "pipe", "pipe"] });
  const stderrBudget = outputBudget();
  program.stderr.on("data", (chunk: Buffer) => stderrBudget.write(chunk));
  program.on("error", (err) => {
    log(`could not start the node program: ${err.message}`);
    process.exit(127);
  });
  program.on("exit", (code, signal) => {
    log(`node program exited (${signal ?? `code ${code}`})`);
    process.exit(code ?? 128);
  });
  program.stdin.on("error", () => undefined); // the exit handler reports a dead program
  program.stdout.on("error", () => undefined);

  function toProgram(envelope: Envelope | string): void {
    program.stdin.write((typeof envelope === "string" ? envelope : JSON.stringify(envelope)) + "\n");
  }

  const udp = dgram.createSocket("udp4");
  udp.on("message", (datagram, from) => {
    const text = datagram.toString("utf8");
    const envelope = parseEnvelope(text);
    // Only what is addressed to us, from the address of the node or service it names.
    if (!envelope || envelope.dest !== nodeId || hosts.get(envelope.src) !== from.address || isClientId(envelope.src)) {
      stats.refusedDatagrams++;
      logRefused(`refused a datagram from ${from.address}${envelope ? ` claiming src ${JSON.stringify(envelope.src).slice(0, 40)}, dest ${JSON.stringify(envelope.dest).slice(0, 40)}` : " that is not an envelope"}`);
      return;
    }
    stats.serverMessagesReceived++;
    journal.record(1, envelope, datagram.length);
    toProgram(oneLine(text));
  });
  udp.on("error", (err) => log(`udp socket error: ${err.message}`));
  udp.bind(PEER_PORT);

  function sendToPeer(envelope: Envelope, line: string): void {
    const bytes = Buffer.from(line, "utf8");
    if (bytes.length > MAX_DATAGRAM_BYTES) {
      stats.oversizeDropped++;
      logOversize(`dropped an envelope of ${bytes.length} bytes to ${envelope.dest}: larger than one datagram (${MAX_DATAGRAM_BYTES})`);
      return;
    }
    const address = hosts.get(envelope.dest);
    if (!address || isClientId(envelope.dest) || envelope.dest === "controller") {
      stats.unknownDestinations++;
      logUnknown(`unknown destination ${JSON.stringify(envelope.dest).slice(0, 40)}; message dropped`);
      return;
    }
    stats.serverMessagesSent++;
    const type = envelope.body.type.slice(0, 64);
    stats.sentByType[type] = (stats.sentByType[type] ?? 0) + 1;
    journal.record(0, envelope, bytes.length);
    udp.send(bytes, PEER_PORT, address);
  }

  const controllers = new Set<net.Socket>();
  const writeFrame = (socket: net.Socket, frame: string) => {
    if (!socket.destroyed) socket.write(frame + "\n");
  };
  let initDone = false;
  const INIT_MSG_ID = 1;

  const stdout = new LineSplitter(
    MAX_LINE_BYTES,
    (line) => {
      if (line.trim() === "") return;
      const envelope = parseEnvelope(line);
      if (!envelope) {
        stats.malformedStdoutLines++;
        logMalformed(`not a Maelstrom envelope on stdout (stdout is for envelopes only; log to stderr): ${line.slice(0, 200)}`);
        return;
      }
      if (!initDone && envelope.dest === "c0" && envelope.body.in_reply_to === INIT_MSG_ID) {
        if (envelope.body.type === "init_ok") onInitOk();
        else log(`node answered init with ${envelope.body.type.slice(0, 64)}`);
        return;
      }
      if (isClientId(envelope.dest)) {
        stats.clientMessagesOut++;
        journal.record(0, envelope, Buffer.byteLength(line));
        const frame = envelopeFrame(line);
        for (const socket of controllers) writeFrame(socket, frame);
        return;
      }
      sendToPeer(envelope, line);
    },
    (bytes) => {
      log(`the node wrote a line of output over ${MAX_LINE_BYTES} bytes (${bytes} bytes and no newline yet); stopping it (stdout is one envelope per line)`);
      program.kill("SIGKILL");
      process.exit(EXIT_LINE_TOO_LONG);
    },
  );
  program.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));

  const initTimer = setTimeout(() => {
    log(`node did not answer init with init_ok within ${INIT_TIMEOUT_MS / 1000} s`);
    program.kill("SIGKILL");
    process.exit(EXIT_NO_INIT_OK);
  }, INIT_TIMEOUT_MS);

  function onInitOk(): void {
    if (initDone) return;
    initDone = true;
    clearTimeout(initTimer);
    log(`init_ok received; accepting clients on port ${CLIENT_PORT}`);
    clientServer.listen(CLIENT_PORT);
  }

  const statsFrame = (): string => {
    if (agentLogDropped > 0) log(`${agentLogDropped} of the agent's own log lines dropped (over its budget)`);
    const frame: AgentFrame = { kind: "stats", stats };
    return JSON.stringify(frame);
  };

  function sendJournal(socket: net.Socket): void {
    for (const entries of journal.parts()) writeFrame(socket, JSON.stringify({ kind: "journal", entries } satisfies AgentFrame));
    writeFrame(socket, JSON.stringify({ kind: "journalEnd", tail: journal.tail() } satisfies AgentFrame));
  }

  // Client connections are accepted only once the node is initialised, so a
  // controller that connects knows the node is ready.
  const clientServer = net.createServer((socket) => {
    controllers.add(socket);
    const forget = () => controllers.delete(socket);
    socket.on("close", forget);
    socket.on("error", forget);
    const frames = new LineSplitter(
      MAX_FRAME_BYTES,
      (line) => {
        let frame: ControllerFrame;
        try {
          frame = JSON.parse(line) as ControllerFrame;
        } catch {
          log("the controller sent a line that is not JSON; ignored");
          return;
        }
        if (frame?.kind === "stats") return writeFrame(socket, statsFrame());
        if (frame?.kind === "journal") return sendJournal(socket);
        const envelope = frame?.kind === "envelope" ? asEnvelope(frame.envelope) : undefined;
        if (!envelope || !isClientId(envelope.src)) return;
        stats.clientMessagesIn++;
        const text = JSON.stringify(envelope);
        journal.record(1, envelope, Buffer.byteLength(text));
        toProgram(text);
      },
      () => {
        log("the controller sent a line over the frame limit; closing its connection");
        socket.destroy();
      },
    );
    socket.on("data", (chunk: Buffer) => frames.push(chunk));
  });
  clientServer.on("error", (err) => log(`client server error: ${err.message}`));

  toProgram({
    src: "c0",
    dest: nodeId,
    body: { type: "init", msg_id: INIT_MSG_ID, node_id: nodeId, node_ids: nodeIds },
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      program.kill("SIGKILL");
      process.exit(143);
    });
  }
}
