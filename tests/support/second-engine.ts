// A second Docker engine on this machine, set up by the very functions
// `./infra/up --engine-host` runs (infra/engine.sh), so tests drive an engine
// host as an operator would: dockerd in a network namespace of its own
// (ENVIRONMENT.md, "A second Docker host on one machine"), joined to the host
// by a veth pair (the host's end 198.19.N.1/30 is the runners' address, the
// namespace's 198.19.N.2/30 the engine's), listening with TLS only, with its
// own data root, exec root, socket, key (hence its own engine ID) and TLS
// folder, lab networks from a pool of its own, the host guard in its
// namespace sparing the runners' address, and the images the test needs.
// Invariant: close() stops that dockerd and removes the namespace, the veth
// pair and every file and mount under its scratch folder, as does
// startSecondEngine itself when it fails halfway; what a test process that
// died left (its PID is in the names) is removed by the next start. This
// machine's main dockerd is never touched.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, readdir, rm } from "node:fs/promises";
import type https from "node:https";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
/** Scratch folders live on /tmp (ext4 here: overlay2 needs a real file system under it). */
const SCRATCH = "/tmp";
const PREFIX = "lg-engine-";

export interface SecondEngine {
  /** The engine's address (in its namespace), where it listens with TLS on port 2376. */
  address: string;
  /** The host's end of the veth pair: the address runners on this machine connect from. */
  runnerAddress: string;
  /** DOCKER_HOST for runners. */
  endpoint: string;
  /** LABGRADE_LAB_SUBNET_POOL for runners of this engine. */
  pool: string;
  /** DOCKER_CERT_PATH: ca.pem, cert.pem, key.pem (Docker's client layout). */
  certPath: string;
  /** The engine's TLS folder (the CA and its key, the engine's certificate). */
  tlsDir: string;
  netns: string;
  /** `docker info`'s ID. */
  id: string;
  /** A client as a runner makes one from DOCKER_HOST, DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH. */
  /** `answerMs`: how long to wait for an answer's headers (docker-modem's connectionTimeout). */
  overTls(opts?: { answerMs?: number; agent?: https.Agent }): Promise<Docker>;
  /** A client on the engine's own unix socket (for set-up and checks, as an operator on that host). */
  local: Docker;
  /** Runs a function of infra/engine.sh against this engine (e.g. engine_guard), in its namespace when `inNamespace`. */
  engineShell(script: string, opts?: { inNamespace?: boolean; settings?: Record<string, string> }): Promise<string>;
  /** What `./infra/up --engine-host` printed when it set the engine up. */
  firstUp: string;
  /** Runs `./infra/up --engine-host` again; its output. */
  upAgain(): Promise<string>;
  /** The PID of its dockerd, as infra/up recorded it. */
  dockerdPid(): Promise<number | undefined>;
  close(): Promise<void>;
}

/** A third octet of 198.19.0.0/16 no address of this host uses, from 150 to 199 (the egress hosts take 200-249). */
async function freeOctet(): Promise<number> {
  const { stdout } = await run("ip", ["-4", "-o", "addr", "show"]);
  const used = new Set([...stdout.matchAll(/inet 198\.19\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let i = 0; i < 50; i++) {
    const octet = 150 + ((process.pid + i) % 50);
    if (!used.has(octet)) return octet;
  }
  throw new Error("no free 198.19.N.0/30 between N = 150 and 199 for a second engine (are old lg-engine-* namespaces left? `ip netns list`)");
}

/** A zombie counts as gone: PID 1 here does not always reap the orphans of a killed test process. */
const processAlive = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return status !== "" && !/^State:\s+Z/m.test(status);
};

async function pidOf(file: string): Promise<number | undefined> {
  const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Stops the dockerd whose PID is in `pidfile` if it is still that dockerd: SIGTERM (it stops its containers), SIGKILL after 30 s. */
async function stopDockerd(pidfile: string): Promise<void> {
  const pid = await pidOf(pidfile);
  if (!pid) return;
  const isDockerd = async () => {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    return path.basename(cmdline.split("\0")[0] ?? "") === "dockerd" && !/^State:\s+Z/m.test(status);
  };
  if (!(await isDockerd())) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (await isDockerd()) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 1000));
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Unmounts whatever is still mounted under `dir` (deepest first), then removes it. */
async function removeScratch(dir: string): Promise<void> {
  const mounts = (await readFile("/proc/self/mounts", "utf8"))
    .split("\n")
    .map((line) => line.split(" ")[1]?.replace(/\\040/g, " "))
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run("umount", ["-l", m]).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}

/** Removes the namespaces, engines and scratch folders lg-engine-<pid>-<id> whose test process is gone (startSecondEngine does it first). */
export async function removeAbandonedEngines(): Promise<void> {
  const names = new Set<string>();
  for (const [, name] of (await run("ip", ["netns", "list"])).stdout.matchAll(/^(lg-engine-\d+-[0-9a-f]+)\b/gm)) names.add(name!);
  for (const entry of await readdir(SCRATCH)) if (/^lg-engine-\d+-[0-9a-f]+$/.test(entry)) names.add(entry);
  for (const name of names) {
    const pid = Number(name.split("-")[2]);
    if (await processAlive(pid)) continue;
    const dir = path.join(SCRATCH, name);
    await stopDockerd(path.join(dir, "var/run/dockerd.pid"));
    await run("ip", ["netns", "del", name]).catch(() => undefined);
    await removeScratch(dir);
  }
}

export async function startSecondEngine(opts: { images: string[] }): Promise<SecondEngine> {
  await removeAbandonedEngines();
  const id = randomBytes(3).toString("hex");
  const netns = `${PREFIX}${process.pid}-${id}`;
  const dir = path.join(SCRATCH, netns);
  const hostEnd = `lgd${id}h`;
  const nsEnd = `lgd${id}n`;
  const octet = await freeOctet();
  const runnerAddress = `198.19.${octet}.1`;
  const address = `198.19.${octet}.2`;
  const pool = "198.19.64.0/20";
  // What `./infra/up --engine-host` takes as options, and this engine's own places (a real host keeps Docker's).
  const images = path.join(dir, "images.tar");
  const options = ["--engine-host", "--address", address, "--pool", pool, "--runner-address", runnerAddress, "--images", images];
  const settings: Record<string, string> = {
    LABGRADE_VAR: path.join(dir, "var"),
    ENGINE_ADDRESS: address,
    ENGINE_POOL: pool,
    ENGINE_RUNNER_ADDRESSES: runnerAddress,
    ENGINE_DATA_ROOT: path.join(dir, "data"),
    ENGINE_EXEC_ROOT: path.join(dir, "exec"),
    ENGINE_PIDFILE: path.join(dir, "dockerd.pid"),
    ENGINE_SOCKET: path.join(dir, "docker.sock"),
    ENGINE_KEY_PATH: path.join(dir, "key.json"),
    ENGINE_IMAGES: opts.images.join(" "),
  };
  /** Runs bash `script` (or `argv`) with this engine's settings, in its namespace when `inNamespace`. */
  const execute = (what: string, command: string[], o: { inNamespace?: boolean; settings?: Record<string, string> } = {}) =>
    new Promise<string>((resolve, reject) => {
      const argv = o.inNamespace ? ["nsenter", `--net=/run/netns/${netns}`, ...command] : command;
      const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...settings, ...o.settings }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited ${code}:\n${out}`))));
    });
  const shell = (script: string, o: { inNamespace?: boolean; settings?: Record<string, string> } = {}) =>
    execute(`infra/engine.sh: ${script}`, ["bash", "-c", `set -euo pipefail; . "${ROOT}/infra/lib.sh"; . "${ROOT}/infra/engine.sh"; ${script}`], o);
  /** The operator's command itself, in the engine's namespace (dockerd and the guard land there). */
  const up = () =>
    execute("./infra/up --engine-host", [path.join(ROOT, "infra/up"), ...options], {
      inNamespace: true,
      // The options say these; the environment must not add to them.
      settings: { ENGINE_ADDRESS: "", ENGINE_POOL: "", ENGINE_RUNNER_ADDRESSES: "" },
    });
  let firstUp = "";
  const inNs = (cmd: string, ...args: string[]) => run("nsenter", [`--net=/run/netns/${netns}`, cmd, ...args]);

  const close = async () => {
    await stopDockerd(path.join(dir, "var/run/dockerd.pid"));
    await run("ip", ["netns", "del", netns]).catch(() => undefined);
    // Deleting the namespace destroys its end of the pair, and with it ours; in case it did not:
    await run("ip", ["link", "del", hostEnd]).catch(() => undefined);
    await removeScratch(dir);
  };

  try {
    await run("mkdir", ["-p", dir]);
    await run("ip", ["netns", "add", netns]);
    await run("ip", ["link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd]);
    await run("ip", ["link", "set", nsEnd, "netns", netns]);
    await run("ip", ["addr", "add", `${runnerAddress}/30`, "dev", hostEnd]);
    await run("ip", ["link", "set", hostEnd, "up"]);
    await inNs("ip", "link", "set", "lo", "up");
    await inNs("ip", "addr", "add", `${address}/30`, "dev", nsEnd);
    await inNs("ip", "link", "set", nsEnd, "up");
    // Only the images the test needs, saved from this machine's engine as an operator would.
    await run("docker", ["save", "-o", images, ...opts.images.map((name) => `labgrade/${name}:latest`)]);
    firstUp = await up();
  } catch (err) {
    await close();
    throw err;
  }

  const tlsDir = path.join(dir, "var/engine-tls");
  const certPath = path.join(tlsDir, "client");
  const local = new Docker({ socketPath: settings.ENGINE_SOCKET });
  const info = (await local.info()) as { ID: string };
  return {
    address,
    runnerAddress,
    endpoint: `tcp://${address}:2376`,
    pool,
    certPath,
    tlsDir,
    netns,
    id: info.ID,
    local,
    async overTls(o) {
      const [ca, cert, key] = await Promise.all(["ca.pem", "cert.pem", "key.pem"].map((f) => readFile(path.join(certPath, f))));
      // docker-modem takes an agent and a connectionTimeout (dockerode's types do not say so).
      const options: Docker.DockerOptions & { agent?: https.Agent; connectionTimeout?: number } = { host: address, port: 2376, protocol: "https", ca, cert, key, connectionTimeout: o?.answerMs, agent: o?.agent };
      return new Docker(options);
    },
    engineShell: (script, o) => shell(script, o),
    firstUp,
    upAgain: () => up(),
    dockerdPid: () => pidOf(path.join(dir, "var/run/dockerd.pid")),
    close,
  };
}
