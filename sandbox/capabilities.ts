// What this runner's Docker engine can do, announced in the runners table and
// used by suite validation, and whether it answers at all (pingEngine: the
// runner takes no work while it does not). Both ways of shaping packets
// (shaping.ts) are probed for real in throw-away containers, never assumed:
// our scheduler must hold a real packet for its delay through NFQUEUE, netem
// must be added as a qdisc (many hosts have it, this one not).
import type Docker from "dockerode";
import { readOutput } from "./container-io.js";
import { imageName, RECIPES } from "./images/recipes.js";
import type { ShaperKind } from "./shaping.js";

export interface Probe {
  available: boolean;
  detail: string;
}

/** Which shaping the runner uses: auto (our scheduler where it works, else netem), or one of them only. */
export type ShaperPreference = "auto" | "userspace" | "netem";

export interface EngineCapabilities {
  engineVersion: string;
  apiVersion: string;
  cgroupVersion: string;
  images: Record<string, string | null>;
  /** How this runner delays packets, and why (the staff grading page shows it; suite validation reads it). */
  shaping: { kind: ShaperKind; detail: string; userspace: Probe; netem: Probe };
  /** Kept for runners' readers from before shaping: the same as shaping.netem. */
  netem: Probe;
}

/** The shaping a runner uses, from what was found and what its operator asked for (LABGRADE_SHAPER). */
export function chooseShaper(preference: ShaperPreference, userspace: Probe, netem: Probe): { kind: ShaperKind; detail: string } {
  const refusal = (name: string, probe: Probe) => `${name}: ${probe.detail}`;
  if (preference === "userspace" || preference === "netem") {
    const probe = preference === "userspace" ? userspace : netem;
    return probe.available
      ? { kind: preference, detail: `${preference} (LABGRADE_SHAPER=${preference}): ${probe.detail}` }
      : { kind: "none", detail: `LABGRADE_SHAPER=${preference}, but ${refusal(preference === "userspace" ? "our scheduler" : "netem", probe)}` };
  }
  if (userspace.available) return { kind: "userspace", detail: `our packet scheduler: ${userspace.detail}` };
  if (netem.available) return { kind: "netem", detail: `netem (our scheduler cannot run: ${userspace.detail})` };
  return { kind: "none", detail: `no way to hold packets: ${refusal("our scheduler", userspace)}; ${refusal("netem", netem)}` };
}

/** Whether the engine answers a ping within `timeoutMs`; if not, what the attempt met. */
export async function pingEngine(docker: Docker, timeoutMs = 5000): Promise<{ ok: true } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([docker.ping(), timeout]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function probeCapabilities(docker: Docker, preference: ShaperPreference = "auto"): Promise<EngineCapabilities> {
  const version = await docker.version();
  const info = (await docker.info()) as { CgroupVersion?: string };
  const images: Record<string, string | null> = {};
  for (const recipe of RECIPES) {
    const ref = `${imageName(recipe.name)}:latest`;
    images[recipe.name] = await docker
      .getImage(ref)
      .inspect()
      .then((i) => i.Id)
      .catch(() => null);
  }
  const base = `${imageName("base")}:latest`;
  const missing: Probe = { available: false, detail: "the base image is missing (run ./infra/up)" };
  const [userspace, netem] = images.base ? await Promise.all([probeScheduler(docker, base), probeNetem(docker, base)]) : [missing, missing];
  return {
    engineVersion: version.Version,
    apiVersion: version.ApiVersion,
    cgroupVersion: info.CgroupVersion ?? "unknown",
    images,
    shaping: { ...chooseShaper(preference, userspace, netem), userspace, netem },
    netem,
  };
}

/** The delay the scheduler probe asks for, and how much of it must be seen. */
const PROBE_DELAY_MS = 50;

/**
 * Our scheduler, for real: in a network-less namespace, a UDP packet to
 * loopback goes through NFQUEUE to the scheduler, which must hold it for
 * PROBE_DELAY_MS. Fails where the kernel lacks nfnetlink_queue or the NFQUEUE
 * target, or where the packet comes through undelayed.
 */
async function probeScheduler(docker: Docker, image: string): Promise<Probe> {
  const shape = { delayMs: PROBE_DELAY_MS, distribution: "constant", jitterMs: 0, reorderPercent: 0, duplicatePercent: 0 };
  const measure = [
    'const s = require("dgram").createSocket("udp4");',
    's.bind(7777, "127.0.0.1", () => { const t = process.hrtime.bigint();',
    's.on("message", () => { console.log("SHAPER_HELD " + (Number(process.hrtime.bigint() - t) / 1e6).toFixed(1)); process.exit(0); });',
    's.send("probe", 7777, "127.0.0.1"); });',
    'setTimeout(() => { console.log("SHAPER_LOST"); process.exit(0); }, 3000);',
  ].join(" ");
  const script = [
    "export PATH=/usr/sbin:/sbin:/usr/bin:/bin",
    "(GOMAXPROCS=2 /opt/labgrade/shaper serve > /tmp/shaper.log 2>&1 &)",
    "for i in $(seq 1 100); do [ -S /run/labgrade-shaper.sock ] && break; sleep 0.05; done",
    "[ -S /run/labgrade-shaper.sock ] || { cat /tmp/shaper.log >&2; exit 1; }",
    // As in the cluster (shaping.ts queueRules): the copies the scheduler sends on are not queued again.
    "iptables -A OUTPUT -o lo -p udp --dport 7777 -m mark ! --mark 0x5a17 -j NFQUEUE --queue-num 0",
    `/opt/labgrade/shaper set '${JSON.stringify({ default: shape, links: {}, cut: [] })}' > /dev/null`,
    `/usr/local/bin/node -e '${measure}'`,
  ].join("; ");
  const out = await probeIn(docker, image, script, ["NET_ADMIN", "NET_RAW"]);
  const held = /SHAPER_HELD ([\d.]+)/.exec(out.stdout);
  if (held && Number(held[1]) >= PROBE_DELAY_MS * 0.9) return { available: true, detail: `NFQUEUE works (a packet held ${PROBE_DELAY_MS} ms arrived after ${held[1]} ms)` };
  if (held) return { available: false, detail: `a packet to be held ${PROBE_DELAY_MS} ms arrived after ${held[1]} ms` };
  if (out.stdout.includes("SHAPER_LOST")) return { available: false, detail: "a packet sent through NFQUEUE never arrived" };
  return { available: false, detail: lastLine(out.stderr) || "the scheduler could not be started" };
}

async function probeNetem(docker: Docker, image: string): Promise<Probe> {
  // The loopback device of its own (network-less) namespace: nothing else is needed.
  const out = await probeIn(docker, image, "/usr/sbin/tc qdisc add dev lo root netem delay 1ms && echo NETEM_OK", ["NET_ADMIN"]);
  if (out.stdout.includes("NETEM_OK")) return { available: true, detail: "sch_netem present" };
  return { available: false, detail: lastLine(out.stderr) || "tc could not add a netem qdisc" };
}

const lastLine = (text: string) => (text.trim().split("\n").pop() ?? "").trim();

/** Runs a script as root with these capabilities in a throw-away, network-less container; its output. */
async function probeIn(docker: Docker, image: string, script: string, capabilities: string[]): Promise<{ stdout: string; stderr: string }> {
  const container = await docker.createContainer({
    Image: image,
    User: "0:0",
    Cmd: ["/bin/sh", "-c", script],
    Labels: { "labgrade.managed": "1", "labgrade.runner": "probe", "labgrade.created-ms": String(Date.now()) },
    HostConfig: { CapDrop: ["ALL"], CapAdd: capabilities, NetworkMode: "none", AutoRemove: false },
  });
  try {
    await container.start();
    await container.wait();
    return await readOutput(container);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
