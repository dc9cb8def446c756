// Real faults on a running cluster, applied without giving any node
// NET_ADMIN. Network faults run in a small "netctl" sidecar per node that
// shares the node's network namespace (Docker's `container:` network mode)
// and holds NET_ADMIN itself; the student's program, in the node container,
// has no capability at all. Everything goes through the Docker API, so it works
// against a remote engine. Kill, restart and pause use the engine directly.
//
// Rules live in our own chain (LABGRADE) hooked first into INPUT, so a heal is
// a flush of that chain and nothing else in the namespace is touched.
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { demultiplex } from "./container-io.js";
import type { Grudge } from "./partitions.js";

const SBIN = "PATH=/usr/sbin:/sbin:/usr/bin:/bin";

export interface ClusterNode {
  id: string;
  container: Docker.Container;
  ip: string;
}

export class ClusterFaults {
  private sidecars = new Map<string, Docker.Container>();
  /** The partition in force, re-applied when a restarted node comes back with a new namespace. */
  private grudge: Grudge = new Map();

  constructor(
    private readonly docker: Docker,
    private readonly nodes: ClusterNode[],
    private readonly image: string,
    private readonly labels: Record<string, string>,
  ) {}

  /**
   * Starts one netctl sidecar per running node and installs the LABGRADE chain.
   * A node whose program already died has no namespace to join: that is the
   * student's failure, reported by the cluster, so it is skipped here.
   */
  async start(): Promise<void> {
    await Promise.all(
      this.nodes.map(async (n) => {
        if ((await n.container.inspect()).State.Running) await this.startSidecar(n);
      }),
    );
  }

  private async startSidecar(node: ClusterNode): Promise<void> {
    const old = this.sidecars.get(node.id);
    if (old) await old.remove({ force: true }).catch(() => undefined);
    const sidecar = await this.docker.createContainer({
      Image: this.image,
      User: "0:0",
      Cmd: ["/bin/sleep", "infinity"],
      Labels: { ...this.labels, "labgrade.node": `${node.id}-netctl` },
      HostConfig: {
        NetworkMode: `container:${node.container.id}`,
        CapDrop: ["ALL"],
        CapAdd: ["NET_ADMIN", "NET_RAW"],
        SecurityOpt: ["no-new-privileges"],
        ReadonlyRootfs: true,
        Tmpfs: { "/run": "rw,size=1m", "/tmp": "rw,size=1m" },
        Memory: 32 * 1024 * 1024,
        PidsLimit: 16,
        LogConfig: { Type: "json-file", Config: { "max-size": "64k", "max-file": "1" } },
      },
    });
    try {
      await sidecar.start();
    } catch (err) {
      await sidecar.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    this.sidecars.set(node.id, sidecar);
    await this.exec(node.id, "iptables -N LABGRADE 2>/dev/null || iptables -F LABGRADE; iptables -C INPUT -j LABGRADE 2>/dev/null || iptables -I INPUT 1 -j LABGRADE");
  }

  /** Runs a shell script in a node's network namespace (as the sidecar); returns stdout. */
  async exec(nodeId: string, script: string): Promise<string> {
    const sidecar = this.sidecars.get(nodeId);
    if (!sidecar) throw new InfraError("faults.no_sidecar", `no netctl sidecar for ${nodeId}`);
    const exec = await sidecar.exec({ Cmd: ["/bin/sh", "-euc", `export ${SBIN}; ${script}`], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    const output = demultiplex(Buffer.concat(chunks));
    const { ExitCode } = await exec.inspect();
    if (ExitCode !== 0) throw new InfraError("faults.exec", `fault command failed on ${nodeId} (exit ${ExitCode}): ${output.stderr.trim()}`);
    return output.stdout;
  }

  private ipOf(id: string): string {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new InfraError("faults.unknown_node", `unknown node ${id}`);
    return node.ip;
  }

  /** Replaces all network rules with the grudge: each node drops packets from the listed nodes. */
  async partition(grudge: Grudge): Promise<void> {
    this.grudge = grudge;
    await Promise.all(
      this.nodes.filter((n) => this.sidecars.has(n.id)).map((n) => {
        const drops = [...(grudge.get(n.id) ?? [])].map((peer) => `iptables -A LABGRADE -s ${this.ipOf(peer)} -j DROP`);
        return this.exec(n.id, ["iptables -F LABGRADE", ...drops].join("; "));
      }),
    );
  }

  /** Drops each packet between nodes with the given probability (clients are spared). */
  async loss(probability: number, nodeIds: string[] = this.nodes.map((n) => n.id)): Promise<void> {
    if (!(probability > 0 && probability <= 1)) throw new InfraError("faults.bad_probability", `loss probability must be in (0, 1], got ${probability}`);
    const peers = this.nodes.map((n) => n.ip).join(",");
    await Promise.all(
      nodeIds.map((id) => this.exec(id, `iptables -A LABGRADE -s ${peers} -m statistic --mode random --probability ${probability} -j DROP`)),
    );
  }

  /** Limits each node's outgoing bandwidth (token bucket). */
  async bandwidth(kbitPerSecond: number, nodeIds: string[] = this.nodes.map((n) => n.id)): Promise<void> {
    await Promise.all(
      nodeIds.map((id) => this.exec(id, `tc qdisc replace dev eth0 root tbf rate ${Math.round(kbitPerSecond)}kbit burst 32kbit latency 400ms`)),
    );
  }

  /**
   * Delay, jitter, reordering or duplication with netem. Only call where the
   * kernel has sch_netem (capabilities.ts); elsewhere the kernel refuses and
   * this throws, it never pretends.
   */
  async netem(kind: "delay" | "jitter" | "reorder" | "duplicate", opts: { ms?: number; percent?: number }): Promise<void> {
    const ms = Math.round(opts.ms ?? 100);
    const percent = opts.percent ?? 10;
    const spec = {
      delay: `delay ${ms}ms`,
      jitter: `delay ${ms}ms ${ms}ms distribution normal`,
      reorder: `delay ${ms}ms reorder ${100 - percent}% 50%`,
      duplicate: `duplicate ${percent}%`,
    }[kind];
    await Promise.all(this.nodes.filter((n) => this.sidecars.has(n.id)).map((n) => this.exec(n.id, `tc qdisc replace dev eth0 root netem ${spec}`)));
  }

  /** Removes every network fault: rules flushed, queueing disciplines reset. */
  async heal(): Promise<void> {
    this.grudge = new Map();
    await Promise.all(this.nodes.filter((n) => this.sidecars.has(n.id)).map((n) => this.exec(n.id, "iptables -F LABGRADE; tc qdisc del dev eth0 root 2>/dev/null || true")));
  }

  /** Packets dropped by our rules on a node so far (for evidence and tests). */
  async droppedPackets(nodeId: string): Promise<number> {
    const out = await this.exec(nodeId, "iptables -L LABGRADE -v -n -x");
    return out
      .split("\n")
      .filter((l) => /\sDROP\s/.test(l))
      .reduce((sum, l) => sum + Number(l.trim().split(/\s+/)[0] ?? 0), 0);
  }

  /** kill -9 of the whole node container (program and agent). */
  async kill(nodeId: string): Promise<void> {
    await this.node(nodeId).container.kill({ signal: "SIGKILL" });
  }

  /** Starts a killed node again; it gets a fresh network namespace, so its sidecar is renewed. */
  async restart(nodeId: string): Promise<void> {
    const node = this.node(nodeId);
    await node.container.start();
    const info = await node.container.inspect();
    const ip = Object.values(info.NetworkSettings.Networks)[0]?.IPAddress;
    if (ip) node.ip = ip;
    await this.startSidecar(node);
    if (this.grudge.size > 0) await this.partition(this.grudge);
  }

  async pause(nodeId: string): Promise<void> {
    await this.node(nodeId).container.pause();
  }

  async resume(nodeId: string): Promise<void> {
    await this.node(nodeId).container.unpause();
  }

  private node(id: string): ClusterNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new InfraError("faults.unknown_node", `unknown node ${id}`);
    return node;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sidecars.values()].map((s) => s.remove({ force: true }).catch(() => undefined)));
    this.sidecars.clear();
  }
}
