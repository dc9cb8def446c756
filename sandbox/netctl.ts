// The netctl sidecar of a node: a small container of ours that owns the
// node's network namespace. It is created first, on the lab network with the
// node's fixed address, its hosts table and the cluster's resolver; the node's
// container then joins its namespace (Docker's `container:` network mode). So:
//   - the sidecar holds NET_ADMIN, the node never does: every firewall rule
//     (faults, traffic counters) is made here and the node cannot change one;
//   - the namespace outlives the node's process: a killed and restarted node
//     comes back to the same address, the same partition rules and the same
//     counters, all in place before its program runs;
//   - nothing of the student's runs in it (it sleeps), and it shares only the
//     network namespace with the node, not its processes or files.
// Everything goes through the Docker API, so it works against a remote engine.
import type Docker from "dockerode";
import { InfraError } from "../lib/errors.js";
import { demultiplex } from "./container-io.js";

const SBIN = "PATH=/usr/sbin:/sbin:/usr/bin:/bin";

export interface NetctlRequest {
  name: string;
  /** Our base image (it has iptables, tc and sleep). */
  image: string;
  nodeId: string;
  networkName: string;
  address: string;
  /** "name:address" lines for /etc/hosts (every member of the cluster). */
  extraHosts: string[];
  /** The cluster's own resolver: Docker's embedded DNS forwards only there. */
  resolver: string;
  labels: Record<string, string>;
}

/** Creates and starts the namespace-owning sidecar of one node. */
export async function startNetctl(docker: Docker, req: NetctlRequest): Promise<Docker.Container> {
  const sidecar = await docker.createContainer({
    name: req.name,
    // The node joins this namespace, and with it this host name, hosts table and resolver.
    Hostname: req.nodeId,
    Image: req.image,
    User: "0:0",
    Cmd: ["/bin/sleep", "infinity"],
    Labels: { ...req.labels, "labgrade.node": `${req.nodeId}-netctl` },
    HostConfig: {
      NetworkMode: req.networkName,
      ExtraHosts: req.extraHosts,
      Dns: [req.resolver],
      DnsSearch: [],
      CapDrop: ["ALL"],
      CapAdd: ["NET_ADMIN", "NET_RAW"],
      SecurityOpt: ["no-new-privileges"],
      ReadonlyRootfs: true,
      Tmpfs: { "/run": "rw,size=1m", "/tmp": "rw,size=1m" },
      // Room for the packet scheduler (shaping.ts): its threads and the copies it holds.
      Memory: 64 * 1024 * 1024,
      PidsLimit: 48,
      LogConfig: { Type: "json-file", Config: { "max-size": "64k", "max-file": "1" } },
    },
    NetworkingConfig: { EndpointsConfig: { [req.networkName]: { IPAMConfig: { IPv4Address: req.address }, Aliases: [req.nodeId] } } },
  });
  try {
    await sidecar.start();
  } catch (err) {
    await sidecar.remove({ force: true }).catch(() => undefined);
    throw err;
  }
  return sidecar;
}

/** Runs a shell script in the namespace (as the sidecar's root, with NET_ADMIN); returns stdout. */
export async function netctlExec(sidecar: Docker.Container, nodeId: string, script: string): Promise<string> {
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
  if (ExitCode !== 0) throw new InfraError("netctl.exec", `network command failed on ${nodeId} (exit ${ExitCode}): ${output.stderr.trim()}`);
  return output.stdout;
}
