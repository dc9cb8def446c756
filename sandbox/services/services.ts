// The services nodes may call, as Maelstrom provides them: lin-kv, seq-kv,
// lww-kv (key-value stores) and lin-tso (a timestamp oracle). One process in
// one container on the cluster's network answers for all four names (its
// network aliases); envelopes arrive and leave as UDP datagrams on PEER_PORT,
// exactly like node-to-node traffic. As in Maelstrom, partitions cut only
// node-to-node traffic (each node drops what comes from the peers it is cut
// off from): nodes always reach the services, and the clients, so a solution
// that only calls lin-kv drops nothing during a partition.
//
// Semantics: every operation is applied atomically in arrival order, which is
// linearizable, and therefore also a valid behaviour of seq-kv and lww-kv.
// (Maelstrom's seq-kv and lww-kv may additionally return stale values; a
// solution that is correct against them is correct against ours.)
import dgram from "node:dgram";
import dns from "node:dns/promises";
import { PEER_PORT, parseEnvelope, type Envelope } from "../agent/wire.js";

export const SERVICE_NAMES = ["lin-kv", "seq-kv", "lww-kv", "lin-tso"] as const;

type Body = Envelope["body"];

/** Maelstrom error codes the services use. */
const KEY_DOES_NOT_EXIST = 20;
const PRECONDITION_FAILED = 22;
const NOT_SUPPORTED = 10;
const MALFORMED = 12;

const stores = new Map<string, Map<string, unknown>>();
let timestamp = 0;
let nextMsgId = 0;

/** The reply body for one request to one service. Exported for unit tests. */
export function handle(service: string, body: Body): Record<string, unknown> {
  const error = (code: number, text: string) => ({ type: "error", code, text });
  if (service === "lin-tso") {
    return body.type === "ts" ? { type: "ts_ok", ts: ++timestamp } : error(NOT_SUPPORTED, `lin-tso does not support ${body.type}`);
  }
  let store = stores.get(service);
  if (!store) stores.set(service, (store = new Map()));
  // Keys compare by their JSON text, as Maelstrom keys may be numbers or strings.
  const key = JSON.stringify(body.key);
  if (body.key === undefined) return error(MALFORMED, "missing key");
  switch (body.type) {
    case "read":
      return store.has(key) ? { type: "read_ok", value: store.get(key) } : error(KEY_DOES_NOT_EXIST, "key does not exist");
    case "write":
      store.set(key, body.value);
      return { type: "write_ok" };
    case "cas": {
      if (!store.has(key)) {
        if (body.create_if_not_exists === true) {
          store.set(key, body.to);
          return { type: "cas_ok" };
        }
        return error(KEY_DOES_NOT_EXIST, "key does not exist");
      }
      const current = store.get(key);
      if (JSON.stringify(current) !== JSON.stringify(body.from)) {
        return error(PRECONDITION_FAILED, `expected ${JSON.stringify(body.from)}, but had ${JSON.stringify(current)}`);
      }
      store.set(key, body.to);
      return { type: "cas_ok" };
    }
    default:
      return error(NOT_SUPPORTED, `${service} does not support ${body.type}`);
  }
}

function serve(): void {
  const socket = dgram.createSocket("udp4");
  const addresses = new Map<string, string>();
  socket.on("message", (datagram, from) => {
    const envelope = parseEnvelope(datagram.toString("utf8"));
    if (!envelope || !(SERVICE_NAMES as readonly string[]).includes(envelope.dest)) return;
    addresses.set(envelope.src, from.address);
    const reply = { ...handle(envelope.dest, envelope.body), msg_id: ++nextMsgId, in_reply_to: envelope.body.msg_id };
    const bytes = Buffer.from(JSON.stringify({ src: envelope.dest, dest: envelope.src, body: reply }));
    // Reply to the node's agent by name (its address may change after a restart).
    void dns.lookup(envelope.src, { family: 4 }).then(
      ({ address }) => socket.send(bytes, PEER_PORT, address),
      () => socket.send(bytes, PEER_PORT, addresses.get(envelope.src) ?? from.address),
    );
  });
  socket.bind(PEER_PORT, () => process.stdout.write(`[services] ${SERVICE_NAMES.join(", ")} listening on udp ${PEER_PORT}\n`));
}

if (process.env.LABGRADE_SERVICES === "1") serve();
