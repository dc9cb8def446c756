// The listeners of the egress host (tests/support/egress-host.ts), run inside
// its network namespace: TCP 80 (answers a line), DNS on 53 over UDP and TCP
// (answers every A question with ADDR), UDP echo on 7. Every contact is
// reported on stdout as a JSON line {"proto","port","peer"}; {"ready":true}
// once all of them listen.
//
//   node egress-listeners.mjs ADDR
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";

const addr = process.argv[2];
if (!addr) throw new Error("usage: node egress-listeners.mjs ADDR");
const report = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** A DNS answer to `query`: every A question answered with our own address. */
function answer(query) {
  const question = dnsPacket.decode(query);
  return {
    type: "response",
    id: question.id,
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: question.questions,
    answers: (question.questions ?? []).filter((q) => q.type === "A").map((q) => ({ type: "A", name: q.name, ttl: 0, data: addr })),
  };
}

const listening = [];
const listen = (server, port) =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    if (server instanceof net.Server) server.listen(port, addr, resolve);
    else server.bind(port, addr, resolve);
  });

const http = net.createServer((socket) => {
  report({ proto: "tcp", port: 80, peer: socket.remoteAddress });
  socket.on("error", () => socket.destroy());
  socket.end("labgrade egress host\n");
});
listening.push(listen(http, 80));

const dnsTcp = net.createServer((socket) => {
  report({ proto: "tcp", port: 53, peer: socket.remoteAddress });
  socket.on("error", () => socket.destroy());
  let buffered = Buffer.alloc(0);
  socket.on("data", (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
    try {
      socket.end(dnsPacket.streamEncode(answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)))));
    } catch {
      socket.destroy();
    }
  });
});
listening.push(listen(dnsTcp, 53));

const dnsUdp = dgram.createSocket("udp4");
dnsUdp.on("message", (msg, rinfo) => {
  report({ proto: "udp", port: 53, peer: rinfo.address });
  try {
    dnsUdp.send(dnsPacket.encode(answer(msg)), rinfo.port, rinfo.address);
  } catch {
    // Not a DNS query: seen and reported, not answered.
  }
});
listening.push(listen(dnsUdp, 53));

const echo = dgram.createSocket("udp4");
echo.on("message", (msg, rinfo) => {
  report({ proto: "udp", port: 7, peer: rinfo.address });
  echo.send(msg, rinfo.port, rinfo.address);
});
listening.push(listen(echo, 7));

await Promise.all(listening);
report({ ready: true });
