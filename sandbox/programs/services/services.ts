// The services nodes may call, as Maelstrom provides them: lin-kv, seq-kv,
// lww-kv (key-value stores) and lin-tso (a timestamp oracle). One process in
// one container on the cluster's network answers for all four names (they all
// resolve to its address); envelopes arrive and leave as UDP datagrams on
// PEER_PORT, exactly like node-to-node traffic. As in Maelstrom, partitions
// cut only node-to-node traffic (each node drops what comes from the peers it
// is cut off from): nodes always reach the services, and the clients, so a
// solution that only calls lin-kv drops nothing during a partition.
//
// Senders are checked: a request is served only when its `src` is the node
// whose fixed address it came from, and the reply goes to that address. A node
// cut off by a partition can therefore not relay through a service by sending
// requests "from" a peer (the reply would cross the cut). Refused datagrams
// are counted and the first few logged.
//
// The same container runs the cluster's resolver (resolver.ts) in both
// protocol modes: LABGRADE_SERVICES lists what to run ("kv", "dns").
//
// A test may have partitions cut the services off too, from every node left
// without a majority (suites' servicesWithMajority; Maelstrom never does):
// the runner then tells this process which nodes are cut, over a UDP socket
// on the container's loopback (CONTROL_PORT), which no node can reach, and
// their requests are dropped unanswered until the next word.
//
// What each service answers (lin-kv linearizable, seq-kv sequential with
// stale reads, lww-kv last-write-wins over replicas, as Maelstrom's) is in
// stores.ts; the random choices behind stale answers come from the test's
// seed (LABGRADE_SERVICES_SEED), so a failing run can be replayed.
import dgram from "node:dgram";
import { parseHostsEnv } from "../../addressing.js";
import { PEER_PORT, parseEnvelope } from "../agent/wire.js";
import { CONTROL_PORT, SERVICE_NAMES } from "./names.js";
import { serveResolver } from "./resolver.js";
import { ClusterServices } from "./stores.js";

export { SERVICE_NAMES };

let nextMsgId = 0;
/** Nodes whose requests are dropped: cut off from the services by a partition. */
let cutOff = new Set<string>();

const log = (line: string) => process.stdout.write(`[services] ${line}\n`);

/** Refused datagrams logged one by one; the rest are only counted. */
const REFUSALS_LOGGED = 10;

/**
 * Whether a datagram from `fromAddress` may be served as a request from
 * `src`: only a node may call a service, and only as itself.
 */
export function isGenuineSender(src: string, fromAddress: string, hosts: ReadonlyMap<string, string>): boolean {
  return /^n\d+$/.test(src) && hosts.get(src) === fromAddress;
}

function serveKv(hosts: ReadonlyMap<string, string>, services: ClusterServices): void {
  const socket = dgram.createSocket("udp4");
  let refused = 0;
  socket.on("message", (datagram, from) => {
    const envelope = parseEnvelope(datagram.toString("utf8"));
    if (!envelope || !(SERVICE_NAMES as readonly string[]).includes(envelope.dest)) return;
    if (!isGenuineSender(envelope.src, from.address, hosts)) {
      if (++refused <= REFUSALS_LOGGED) log(`refused a request to ${envelope.dest} claiming to be from ${JSON.stringify(envelope.src).slice(0, 40)} but sent by ${from.address}`);
      else if (refused === REFUSALS_LOGGED + 1) log("more refused requests follow; counting them without logging");
      return;
    }
    if (cutOff.has(envelope.src)) return;
    const reply = { ...services.handle(envelope.dest, envelope.src, envelope.body), msg_id: ++nextMsgId, in_reply_to: envelope.body.msg_id };
    // To the address the request came from, at the agent's port: never to a name the request chose.
    socket.send(Buffer.from(JSON.stringify({ src: envelope.dest, dest: envelope.src, body: reply })), PEER_PORT, from.address);
  });
  socket.on("error", (err) => log(`udp socket error: ${err.message}`));
  socket.bind(PEER_PORT, () => log(`${SERVICE_NAMES.join(", ")} listening on udp ${PEER_PORT}`));
  serveControl();
}

/** The runner's word on who is cut off: `{"cut": ["n0", ...]}`, answered "ok" once in force. */
function serveControl(): void {
  const control = dgram.createSocket("udp4");
  control.on("message", (datagram, from) => {
    let cut: unknown;
    try {
      cut = (JSON.parse(datagram.toString("utf8")) as { cut?: unknown }).cut;
    } catch {
      cut = undefined;
    }
    if (!Array.isArray(cut) || !cut.every((id) => typeof id === "string")) {
      control.send(`refused: expected {"cut": [node ids]}`, from.port, from.address);
      return;
    }
    cutOff = new Set(cut as string[]);
    log(cutOff.size > 0 ? `cut off from ${[...cutOff].sort().join(", ")}` : "reachable from every node");
    control.send("ok", from.port, from.address);
  });
  control.on("error", (err) => log(`control socket error: ${err.message}`));
  control.bind(CONTROL_PORT, "127.0.0.1");
}

if (process.env.LABGRADE_SERVICES) {
  const hosts = parseHostsEnv(process.env.LABGRADE_CLUSTER_HOSTS ?? "");
  const run = new Set(process.env.LABGRADE_SERVICES.split(","));
  if (run.has("dns")) {
    serveResolver(hosts, log);
    log(`resolver answering ${hosts.size} names on port 53`);
  }
  if (run.has("kv")) {
    const seed = process.env.LABGRADE_SERVICES_SEED ?? "";
    if (!/^\d{1,20}$/.test(seed)) throw new Error(`LABGRADE_SERVICES_SEED must be the test's seed (a decimal u64), got ${JSON.stringify(seed)}`);
    serveKv(hosts, new ClusterServices(seed));
  }
}
