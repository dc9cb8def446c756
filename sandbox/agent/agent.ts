// The node agent: PID 1 of every node container in Maelstrom mode. It starts
// the student's program, delivers `init`, carries the program's node-to-node
// and node-to-service envelopes over the real network (UDP, see wire.ts) and
// hands client traffic in and out over the controller's TCP connection.
//
// Invariant: the agent never holds, retries or reorders a message. A datagram
// the firewall drops is gone; faults are the network's business, not ours.
//
// Native mode (LABGRADE_PROTOCOL=native): the agent only supervises. The
// program brings its own transport; it is told its id, its peer port and its
// peers' addresses, and serves clients itself on LABGRADE_CLIENT_PORT.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import dns from "node:dns/promises";
import net from "node:net";
import readline from "node:readline";
import {
  CLIENT_PORT,
  EXIT_NO_INIT_OK,
  INIT_TIMEOUT_MS,
  MAX_DATAGRAM_BYTES,
  PEER_PORT,
  isClientId,
  parseEnvelope,
  type AgentStats,
  type Envelope,
} from "./wire.js";

// The agent's lines go to stderr with the program's log, so the node's log
// reads in time order.
function log(line: string): void {
  process.stderr.write(`[agent ${new Date().toISOString()}] ${line}\n`);
}

/** The node program's log (stderr) we pass on, in bytes; the rest is counted, not kept. */
const OUTPUT_BUDGET_BYTES = 768 * 1024;
const MALFORMED_LINES_LOGGED = 10;

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
const nodeIds = requireEnv("LABGRADE_NODE_IDS").split(",");
const runCommand = requireEnv("LABGRADE_RUN_COMMAND");
const workdir = process.env.LABGRADE_WORKDIR ?? "/work/src";

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
    labgrade: "stats",
    node: nodeId,
    serverMessagesSent: 0,
    serverMessagesReceived: 0,
    clientMessagesIn: 0,
    clientMessagesOut: 0,
    oversizeDropped: 0,
    malformedStdoutLines: 0,
    sentByType: {},
  };

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

  function toProgram(envelope: Envelope | string): void {
    program.stdin.write((typeof envelope === "string" ? envelope : JSON.stringify(envelope)) + "\n");
  }

  // Peers and services are resolved through the network's DNS (their container
  // aliases); results are cached because names never move during a test.
  const addressCache = new Map<string, string>();
  async function resolve(id: string): Promise<string | undefined> {
    const cached = addressCache.get(id);
    if (cached) return cached;
    try {
      const { address } = await dns.lookup(id, { family: 4 });
      addressCache.set(id, address);
      return address;
    } catch {
      return undefined;
    }
  }

  const udp = dgram.createSocket("udp4");
  udp.on("message", (datagram) => {
    stats.serverMessagesReceived++;
    toProgram(datagram.toString("utf8"));
  });
  udp.on("error", (err) => log(`udp socket error: ${err.message}`));
  udp.bind(PEER_PORT);

  function sendToPeer(envelope: Envelope, line: string): void {
    const bytes = Buffer.from(line, "utf8");
    if (bytes.length > MAX_DATAGRAM_BYTES) {
      stats.oversizeDropped++;
      log(`dropped an envelope of ${bytes.length} bytes to ${envelope.dest}: larger than one datagram (${MAX_DATAGRAM_BYTES})`);
      return;
    }
    stats.serverMessagesSent++;
    stats.sentByType[envelope.body.type] = (stats.sentByType[envelope.body.type] ?? 0) + 1;
    void resolve(envelope.dest).then((address) => {
      if (!address) {
        log(`unknown destination ${envelope.dest}; message dropped`);
        return;
      }
      udp.send(bytes, PEER_PORT, address);
    });
  }

  const controllers = new Set<net.Socket>();
  let initDone = false;
  const INIT_MSG_ID = 1;

  const stdout = readline.createInterface({ input: program.stdout, crlfDelay: Infinity });
  stdout.on("line", (line) => {
    if (line.trim() === "") return;
    const envelope = parseEnvelope(line);
    if (!envelope) {
      // Logged for the first few only: a flood must not become our flood.
      if (++stats.malformedStdoutLines <= MALFORMED_LINES_LOGGED) {
        log(`not a Maelstrom envelope on stdout (stdout is for envelopes only; log to stderr): ${line.slice(0, 200)}`);
      } else if (stats.malformedStdoutLines === MALFORMED_LINES_LOGGED + 1) {
        log("more lines that are not envelopes follow; counting them without logging");
      }
      return;
    }
    if (!initDone && envelope.dest === "c0" && envelope.body.in_reply_to === INIT_MSG_ID) {
      if (envelope.body.type === "init_ok") onInitOk();
      else log(`node answered init with ${envelope.body.type}`);
      return;
    }
    if (isClientId(envelope.dest)) {
      stats.clientMessagesOut++;
      for (const socket of controllers) socket.write(line + "\n");
      return;
    }
    sendToPeer(envelope, line);
  });

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

  // Client connections are accepted only once the node is initialised, so a
  // controller that connects knows the node is ready.
  const clientServer = net.createServer((socket) => {
    controllers.add(socket);
    socket.on("close", () => controllers.delete(socket));
    socket.on("error", () => controllers.delete(socket));
    const lines = readline.createInterface({ input: socket, crlfDelay: Infinity });
    lines.on("line", (line) => {
      if (line.includes('"labgrade"')) {
        const control = JSON.parse(line) as { labgrade?: string };
        if (control.labgrade === "stats") socket.write(JSON.stringify(stats) + "\n");
        return;
      }
      const envelope = parseEnvelope(line);
      if (!envelope || !isClientId(envelope.src)) return;
      stats.clientMessagesIn++;
      toProgram(envelope);
    });
  });

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
