// The cluster's own DNS server: it answers the cluster's names from a fixed
// table and nothing else. Every container of a cluster names it as its only
// upstream server (Docker's `Dns`), so the engine's embedded resolver, which
// forwards what it does not know, forwards only here: a lookup of an unknown
// name, or of a node that is down, never leaves the lab network (Docker would
// otherwise send it from the container's namespace to the host's upstream
// resolver; ENVIRONMENT.md, "DNS inside lab networks"). Names are answered
// from the table given at start, never looked up elsewhere, never forwarded.
//
// Answers: A records for known names; an empty NOERROR for other types of a
// known name (so resolvers do not fall back to search domains); NXDOMAIN for
// every other name; REFUSED for anything that is not a plain query. Over UDP
// and TCP (two-byte length prefix), on port 53.
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";

export const DNS_PORT = 53;
/** Seconds a resolver may cache our answers: names never move during a test. */
const TTL_SECONDS = 600;
/** Largest DNS message over TCP we read; queries are tiny. */
const MAX_TCP_MESSAGE_BYTES = 4096;

/** The reply to one DNS query (bytes as received), or null for bytes that are no DNS query at all. */
export function answerQuery(query: Buffer, table: ReadonlyMap<string, string>): Buffer | null {
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return null;
  }
  if (packet.type !== "query") return null;
  const questions = packet.questions ?? [];
  const reply = (rcode: string, answers: dnsPacket.Answer[] = []) =>
    dnsPacket.encode({
      type: "response",
      id: packet.id ?? 0,
      // AA: authoritative; RD copied from the query, RA: we "recurse" (over our own table).
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((packet.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | rcodeFlag(rcode),
      questions,
      answers,
    });
  const [question] = questions;
  if (questions.length !== 1 || !question) return reply("REFUSED");
  const name = question.name.toLowerCase().replace(/\.$/, "");
  const address = table.get(name);
  if (address === undefined) return reply("NXDOMAIN");
  if (question.type !== "A" || (question.class ?? "IN") !== "IN") return reply("NOERROR");
  return reply("NOERROR", [{ type: "A", class: "IN", name: question.name, ttl: TTL_SECONDS, data: address }]);
}

function rcodeFlag(rcode: string): number {
  // dns-packet takes the response code in the low four bits of `flags`.
  return { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 }[rcode] ?? 2;
}

export interface ResolverStats {
  queries: number;
  unknownNames: number;
}

/** Serves the table on DNS_PORT (UDP and TCP) until the process ends. */
export function serveResolver(table: ReadonlyMap<string, string>, log: (line: string) => void): ResolverStats {
  const stats: ResolverStats = { queries: 0, unknownNames: 0 };
  const respond = (query: Buffer): Buffer | null => {
    const reply = answerQuery(query, table);
    if (reply) {
      stats.queries++;
      if ((reply.readUInt16BE(2) & 0xf) === 3) stats.unknownNames++;
    }
    return reply;
  };
  const udp = dgram.createSocket("udp4");
  udp.on("message", (query, from) => {
    const reply = respond(query);
    if (reply) udp.send(reply, from.port, from.address);
  });
  udp.on("error", (err) => log(`resolver udp error: ${err.message}`));
  udp.bind(DNS_PORT);
  const tcp = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.setTimeout(5000, () => socket.destroy());
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length > MAX_TCP_MESSAGE_BYTES) return socket.destroy();
        if (buffered.length < 2 + length) return;
        const reply = respond(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        if (!reply) return socket.destroy();
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      }
    });
  });
  tcp.on("error", (err) => log(`resolver tcp error: ${err.message}`));
  tcp.listen(DNS_PORT);
  return stats;
}
