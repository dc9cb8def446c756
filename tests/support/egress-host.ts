// A host of our own outside every lab network, so that tests prove "no
// egress" without aiming a single packet at anyone else's address: a network
// namespace joined to the host by a veth pair (host end 198.19.N.1/30, the
// namespace 198.19.N.2/30, its default route back through the host, as a
// host on the internet would have), with listeners that report every peer
// (tests/support/egress-listeners.mjs: TCP 80, DNS on 53 over UDP and TCP,
// UDP echo on 7; ICMP echo is the kernel's) and an iptables rule there that
// counts every IPv4 packet arriving, whatever it is.
// Invariant: the namespace, the veth pair and the listener process are
// removed by close(), and by startEgressHost itself when it fails halfway;
// a namespace left by a test process that died (its PID is in the name) is
// removed by the next start.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import dnsPacket from "dns-packet";

const run = promisify(execFile);
const LISTENERS = path.join(import.meta.dirname, "egress-listeners.mjs");
/** The counting rule's comment, to find its row in `iptables -L`. */
const COUNTER = "labgrade-egress-packets-in";

export interface EgressContact {
  proto: "tcp" | "udp";
  port: number;
  peer: string;
}

export interface EgressHost {
  /** The namespace's address: a destination of our own, outside the lab networks. */
  address: string;
  /** The host's end of the veth pair (the only peer the namespace should ever see). */
  hostAddress: string;
  /** The listeners' ports. */
  ports: { http: 80; dns: 53; echo: 7 };
  /** Every contact the listeners saw so far, oldest first. */
  contacts(): EgressContact[];
  /** IPv4 packets that have arrived in the namespace so far (any protocol, ICMP included). */
  packetsIn(): Promise<number>;
  /** The host's own attempts to reach each listener, and a ping. */
  reachFromHost(): Promise<Record<"tcp" | "udp" | "dnsUdp" | "dnsTcp" | "icmp", string>>;
  close(): Promise<void>;
}

/** A third octet of 198.19.0.0/16 that no address of this host uses yet, from 200 to 249. */
async function freeOctet(): Promise<number> {
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show"]);
  const used = new Set([...stdout.matchAll(/inet 198\.19\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let i = 0; i < 50; i++) {
    const octet = 200 + ((process.pid + i) % 50);
    if (!used.has(octet)) return octet;
  }
  throw new Error("no free 198.19.N.0/30 between N = 200 and 249 for an egress host (are old lg-egress-* namespaces left? `ip netns list`)");
}

/** Namespaces lg-egress-<pid>-<id> whose test process is gone (killed before its close()). */
async function removeAbandoned(): Promise<void> {
  const { stdout } = await run("ip", ["netns", "list"]);
  for (const [, name, pid] of stdout.matchAll(/^(lg-egress-(\d+)-[0-9a-f]+)\b/gm)) {
    let alive = true;
    try {
      process.kill(Number(pid), 0);
    } catch (err) {
      alive = (err as NodeJS.ErrnoException).code === "EPERM";
    }
    if (!alive) await run("ip", ["netns", "del", name!]).catch(() => undefined);
  }
}

export async function startEgressHost(): Promise<EgressHost> {
  await removeAbandoned();
  const id = randomBytes(3).toString("hex");
  const netns = `lg-egress-${process.pid}-${id}`;
  const hostEnd = `lge${id}h`;
  const nsEnd = `lge${id}n`;
  const octet = await freeOctet();
  const hostAddress = `198.19.${octet}.1`;
  const address = `198.19.${octet}.2`;
  // nsenter, not `ip netns exec` (which remounts /sys: see ENVIRONMENT.md).
  const inNs = (cmd: string, ...args: string[]) => run("nsenter", [`--net=/run/netns/${netns}`, cmd, ...args]);
  const contacts: EgressContact[] = [];
  let listeners: ChildProcess | undefined;

  const close = async () => {
    if (listeners && listeners.exitCode === null && listeners.signalCode === null) {
      const exited = new Promise((resolve) => listeners!.once("exit", resolve));
      listeners.kill();
      await exited;
    }
    await run("ip", ["netns", "del", netns]).catch(() => undefined);
    // Deleting the namespace destroys its end of the pair, and with it ours; in case it did not:
    await run("ip", ["link", "del", hostEnd]).catch(() => undefined);
  };

  try {
    await run("ip", ["netns", "add", netns]);
    await run("ip", ["link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd]);
    await run("ip", ["link", "set", nsEnd, "netns", netns]);
    await run("ip", ["addr", "add", `${hostAddress}/30`, "dev", hostEnd]);
    await run("ip", ["link", "set", hostEnd, "up"]);
    await inNs("ip", "link", "set", "lo", "up");
    await inNs("ip", "addr", "add", `${address}/30`, "dev", nsEnd);
    await inNs("ip", "link", "set", nsEnd, "up");
    await inNs("ip", "route", "add", "default", "via", hostAddress);
    await inNs("iptables", "-A", "INPUT", "-i", nsEnd, "-m", "comment", "--comment", COUNTER);

    listeners = spawn("nsenter", [`--net=/run/netns/${netns}`, process.execPath, LISTENERS, address], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    listeners.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const lines = createInterface({ input: listeners.stdout! });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the egress host's listeners did not start within 10 s: ${stderr}`)), 10_000);
      listeners!.once("exit", (code) => reject(new Error(`the egress host's listeners exited (${code}): ${stderr}`)));
      lines.on("line", (line) => {
        const parsed = JSON.parse(line) as EgressContact | { ready: true };
        if ("ready" in parsed) {
          clearTimeout(timer);
          resolve();
        } else contacts.push(parsed);
      });
    });
  } catch (err) {
    await close();
    throw err;
  }

  const packetsIn = async () => {
    const { stdout } = await inNs("iptables", "-nvxL", "INPUT");
    const row = stdout.split("\n").find((line) => line.includes(COUNTER));
    if (!row) throw new Error(`the counting rule is missing from the egress host's INPUT chain:\n${stdout}`);
    return Number(row.trim().split(/\s+/)[0]);
  };

  return {
    address,
    hostAddress,
    ports: { http: 80, dns: 53, echo: 7 },
    contacts: () => [...contacts],
    packetsIn,
    reachFromHost: async () => ({
      tcp: await tcpLine(address, 80),
      udp: await udpEcho(address, 7),
      dnsUdp: await dnsOverUdp(address),
      dnsTcp: await dnsOverTcp(address),
      icmp: await ping(address),
    }),
    close,
  };
}

const QUESTION = "egress.labgrade.test";

function tcpLine(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 });
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
    socket.on("end", () => resolve(text.trim() || "connected, no answer"));
    socket.on("timeout", () => socket.destroy(new Error("timeout")));
    socket.on("error", (err) => resolve(`error: ${err.message}`));
  });
}

function udpEcho(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => {
      socket.close();
      resolve("no reply");
    }, 3000);
    socket.on("message", (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg.toString());
    });
    socket.send("labgrade echo", port, host);
  });
}

async function dnsOverUdp(host: string): Promise<string> {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([host]);
  return (await resolver.resolve4(QUESTION).catch((err: Error) => [`error: ${err.message}`])).join(",");
}

function dnsOverTcp(host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: 53, timeout: 3000 });
    let buffered = Buffer.alloc(0);
    socket.on("connect", () => socket.write(dnsPacket.streamEncode({ type: "query", id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name: QUESTION }] })));
    socket.on("data", (chunk: Buffer) => (buffered = Buffer.concat([buffered, chunk])));
    socket.on("end", () => {
      try {
        const reply = dnsPacket.streamDecode(buffered);
        resolve((reply.answers ?? []).map((a) => (a.type === "A" ? a.data : a.type)).join(",") || "no answer");
      } catch (err) {
        resolve(`error: ${String(err)}`);
      }
    });
    socket.on("timeout", () => socket.destroy(new Error("timeout")));
    socket.on("error", (err) => resolve(`error: ${err.message}`));
  });
}

async function ping(host: string): Promise<string> {
  try {
    await run("ping", ["-n", "-c", "1", "-W", "3", host]);
    return "reply";
  } catch (err) {
    const e = err as { code?: string; stdout?: string };
    if (e.code === "ENOENT") throw new Error("`ping` is missing on this host: install iputils-ping (infra/test does)");
    return `no reply: ${(e.stdout ?? "").trim().split("\n").pop()}`;
  }
}
