// Benchmark: how exactly the userspace packet scheduler (sandbox/programs/shaper)
// delays real packets on a real cluster, and what it costs. Each row is a
// 2-node cluster in native mode (bench/fixtures/shaper-probe: n0 sends n1
// numbered UDP datagrams stamped with the host's monotonic clock, n1 measures
// each one's one-way delay), shaped by the test's latency or fault steps as a
// suite would ask. Printed:
//   - accuracy: configured 1, 10, 100, 500 ms, constant and exponential, at
//     1,000 and 5,000 packets/s (the aim holds up to 5,000): measured p50 and
//     p99 against the distribution's own (constant: the delay; exponential:
//     mean·ln 2 and mean·ln 100), and the error of the p50 after subtracting
//     the unshaped path, measured first in the same run (the baseline). An
//     exponential row sends for as long as it takes to draw --samples packets:
//     the median of n exponential draws is off from the distribution's by
//     about mean/√n (one standard deviation, 1.44/√n of the median), so 5,000
//     draws alone put ±2 % of noise on the figure the aim is ±5 % of;
//   - reordering and duplication: configured shares against what n1 saw;
//   - capacity: 10 ms constant at rising rates, until the p50 is off by more
//     than 5 % (or 0.5 ms) or a packet is lost: the rate the scheduler
//     sustains per node, with its CPU (the scheduler's own, from getrusage)
//     per 1,000 packets;
//   - what the scheduler and the kernel dropped (counted, never guessed).
// Run: npx tsx bench/shaper-accuracy.ts [--quick] [--rates 1000,2000,5000,10000]
//        [--accuracy-rates 1000,5000] [--samples 20000]
import path from "node:path";
import Docker from "dockerode";
import { normaliseArchive, packDirectory } from "../lib/archive.js";
import { parseConfig } from "../lib/config.js";
import type { FaultStep } from "../lib/suites/schema.js";
import { BASE_IMAGE, sandboxImage } from "../lib/toolchains.js";
import { runnerLimits } from "../runner/limits.js";
import { buildSubmission, removeVolume } from "../sandbox/build.js";
import { probeCapabilities } from "../sandbox/capabilities.js";
import { runClusterTest } from "../sandbox/cluster.js";
import { SANDBOX_UID } from "../sandbox/images/recipes.js";
import type { BaseLatency, SchedulerStats } from "../sandbox/shaping.js";

const docker = new Docker();
const limits = runnerLimits(parseConfig({}));
const owner = { runnerId: `bench-${process.pid}`, jobId: "bench-shaper", test: "bench", owner: "bench" };

interface Args {
  quick: boolean;
  /** The capacity sweep's rates (10 ms constant). */
  rates: number[];
  /** The rates the accuracy table is measured at. */
  accuracyRates: number[];
  /** The fewest packets an exponential row draws (undefined: 20,000, or 3,000 with --quick). */
  samples: number | undefined;
}

function rateList(option: string, value: string): number[] {
  const rates = value.split(",").map(Number);
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 10 || r > 100_000)) {
    throw new Error(`${option} takes whole numbers of packets a second between 10 and 100000, comma-separated (got "${value}")`);
  }
  return rates;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, rates: [1000, 2000, 5000, 10000, 20000], accuracyRates: [1000, 5000], samples: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--quick") args.quick = true;
    else if (arg === "--rates") args.rates = rateList(arg, argv[++i] ?? "");
    else if (arg === "--accuracy-rates") args.accuracyRates = rateList(arg, argv[++i] ?? "");
    else if (arg === "--samples") {
      const value = argv[++i] ?? "";
      const samples = Number(value);
      // 100,000 at 1,000 packets/s is 100 s of sending for each exponential row.
      if (!Number.isInteger(samples) || samples < 100 || samples > 100_000) throw new Error(`--samples takes a whole number of packets between 100 and 100000 (got "${value}")`);
      args.samples = samples;
    } else throw new Error(`unknown option ${arg} (known: --quick, --rates LIST, --accuracy-rates LIST, --samples N)`);
  }
  return args;
}

interface Received {
  received: number;
  copies: number;
  overtaken: number;
  p50Us: number | null;
  p99Us: number | null;
  meanUs: number | null;
}

interface Measured {
  sent: number;
  sendSeconds: number;
  got: Received;
  /** The sender's scheduler's own figures (its CPU time included). */
  scheduler: SchedulerStats | undefined;
}

let buildVolume = "";

async function measure(opts: { rate: number; seconds: number; latency?: BaseLatency; faults?: FaultStep[]; settle?: number }): Promise<Measured> {
  const settle = opts.settle ?? 3;
  const result = await runClusterTest(docker, {
    buildVolume,
    runImage: sandboxImage("python"),
    controllerImage: BASE_IMAGE,
    runCommand: `/usr/local/bin/node /work/src/probe.mjs ${opts.rate} ${opts.seconds} ${settle}`,
    nodeCount: 2,
    protocol: "native",
    shaper: "userspace",
    latency: opts.latency ?? null,
    faults: opts.faults ?? [],
    controller: {
      workload: "echo",
      concurrency: 1,
      ratePerSecond: 1,
      // The probe sends from 1.5 s after it starts, for `seconds`, then waits `settle` before it reports.
      durationMs: Math.round((1.5 + opts.seconds + settle + 1) * 1000),
      seed: "1",
      requestTimeoutMs: 5000,
      readyTimeoutMs: 20_000,
    },
    nodeLimits: limits.node,
    controllerLimits: limits.controller,
    wallClockMs: Math.max(120_000, Math.round((1.5 + opts.seconds + settle + 30) * 1000)),
    owner,
  });
  const line = (node: string, tag: string) => {
    const log = result.nodes.find((n) => n.id === node)!.log;
    const found = new RegExp(`${tag} (\\{.*\\})`).exec(log);
    if (!found) throw new Error(`${node} printed no ${tag} line; its log ends:\n${log.slice(-2000)}`);
    return JSON.parse(found[1]!) as Record<string, number>;
  };
  const sent = line("n0", "PROBE_SENT");
  return {
    sent: sent.sent!,
    sendSeconds: sent.seconds!,
    got: line("n1", "PROBE_RECEIVED") as unknown as Received,
    scheduler: result.shaping.scheduler.n0,
  };
}

const ms = (us: number | null) => (us === null ? "—" : (us / 1000).toFixed(2));
const pad = (s: string, n: number) => s.padStart(n);
const drops = (m: Measured) => {
  const s = m.scheduler;
  const lost = m.sent - m.got.received;
  if (!s) return `lost ${lost}`;
  return `lost ${lost}, scheduler ${s.droppedFull + s.droppedReinject + s.verdictErrors}, kernel ${(s.kernel.queueDropped ?? 0) + (s.kernel.userDropped ?? 0)}, enobufs ${s.noBuffers}`;
};

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const caps = await probeCapabilities(docker);
  if (!caps.shaping.userspace.available) throw new Error(`the packet scheduler cannot run on this host: ${caps.shaping.userspace.detail}`);
  const { tar } = await normaliseArchive(await packDirectory(path.resolve(import.meta.dirname, "fixtures/shaper-probe")), SANDBOX_UID);
  const build = await buildSubmission(docker, { tar, image: sandboxImage("python"), command: "true", timeoutMs: 60_000, limits: limits.build, owner });
  if (!build.ok) throw new Error(`could not build the probe: ${build.reason}`);
  buildVolume = build.volume;
  const seconds = args.quick ? 3 : 5;
  const samples = args.samples ?? (args.quick ? 3000 : 20_000);
  try {
    console.log(`Packet scheduler accuracy (${caps.shaping.userspace.detail}); 2-node clusters, native UDP, ${seconds} s per row (exponential rows: at least ${samples} packets)`);
    const baseline = await measure({ rate: 1000, seconds });
    const base50 = baseline.got.p50Us ?? 0;
    console.log(`baseline (no shaping), 1000 packets/s: one-way p50 ${ms(baseline.got.p50Us)} ms, p99 ${ms(baseline.got.p99Us)} ms; ${drops(baseline)}`);
    console.log("");
    console.log(`${"configured".padEnd(22)} ${pad("pkts/s", 6)} ${pad("n", 7)} ${pad("p50", 9)} ${pad("want", 9)} ${pad("p99", 9)} ${pad("want", 9)} ${pad("p50 err", 9)} ${pad("aim", 6)}  ${"late p50/p99 (ours)"}  drops`);
    const delays = args.quick ? [1, 100] : [1, 10, 100, 500];
    const missed: string[] = [];
    for (const rate of args.accuracyRates) {
      for (const distribution of ["constant", "exponential"] as const) {
        for (const delay of delays) {
          // A constant's median is the delay itself; an exponential's wobbles with the draws, so it takes enough of them.
          const rowSeconds = distribution === "exponential" ? Math.max(seconds, Math.ceil(samples / rate)) : seconds;
          const settle = distribution === "exponential" ? Math.max(3, Math.ceil((delay * 12) / 1000)) : 3;
          const m = await measure({ rate, seconds: rowSeconds, latency: { ms: delay, distribution }, settle });
          const want50 = distribution === "constant" ? delay : delay * Math.LN2;
          const want99 = distribution === "constant" ? delay : delay * Math.log(100);
          const p50 = ((m.got.p50Us ?? 0) - base50) / 1000;
          const errPct = ((p50 - want50) / want50) * 100;
          // The aim: p50 within ±5 % of the distribution's, or ±0.5 ms.
          const met = Math.abs(p50 - want50) <= Math.max(0.05 * want50, 0.5);
          const label = `${delay} ms ${distribution}`;
          if (!met) missed.push(`${label} at ${rate}/s (${errPct >= 0 ? "+" : ""}${errPct.toFixed(1)} %)`);
          const noise = distribution === "exponential" ? `; mean ${ms(m.got.meanUs)} ms (want ${delay}); median's sampling sd ±${(delay / Math.sqrt(m.got.received)).toFixed(2)} ms (${(100 / Math.LN2 / Math.sqrt(m.got.received)).toFixed(1)} %)` : "";
          console.log(
            `${label.padEnd(22)} ${pad(String(rate), 6)} ${pad(String(m.got.received), 7)} ${pad(ms(m.got.p50Us), 9)} ${pad(want50.toFixed(2), 9)} ${pad(ms(m.got.p99Us), 9)} ${pad(want99.toFixed(2), 9)} ${pad(`${errPct >= 0 ? "+" : ""}${errPct.toFixed(1)}%`, 9)} ${pad(met ? "met" : "MISSED", 6)}  ${pad(`${ms(m.scheduler?.lateUs.p50 ?? null)}/${ms(m.scheduler?.lateUs.p99 ?? null)}`, 14)} ms    ${drops(m)}${noise}`,
          );
        }
      }
    }
    console.log(`p50 aim (±5 % or ±0.5 ms) ${missed.length === 0 ? "met on every row" : `missed on ${missed.join(", ")}`}`);
    console.log("(n: packets n1 received; p50 err: measured p50 minus the baseline's, against the distribution's p50; late: how long after its due time the scheduler released a packet)");
    console.log("");
    for (const [kind, percent] of [["reorder", 25], ["duplicate", 10]] as const) {
      const m = await measure({ rate: 1000, seconds, latency: { ms: 10, distribution: "constant" }, faults: [{ kind, at: 0, percent }] });
      const total = m.got.received;
      const seenPct = kind === "reorder" ? (m.got.overtaken / total) * 100 : (m.got.copies / total) * 100;
      const schedPct = kind === "reorder" ? ((m.scheduler?.reordered ?? 0) / (m.scheduler?.received || 1)) * 100 : ((m.scheduler?.duplicated ?? 0) / (m.scheduler?.received || 1)) * 100;
      console.log(
        `${kind} ${percent}% over 10 ms: the scheduler ${kind === "reorder" ? "sent early" : "copied"} ${schedPct.toFixed(1)}% of packets; n1 saw ${seenPct.toFixed(1)}% ${kind === "reorder" ? "arrive before an earlier-numbered one" : "twice"} (${total} received; ${drops(m)})`,
      );
    }
    console.log("");
    console.log(`capacity, 10 ms constant: ${"rate".padStart(8)} ${pad("achieved", 9)} ${pad("p50", 8)} ${pad("p99", 8)} ${pad("late p99", 9)} ${pad("CPU/1k pkts", 12)}  drops`);
    let sustained = 0;
    for (const rate of args.rates) {
      const m = await measure({ rate, seconds, latency: { ms: 10, distribution: "constant" } });
      const achieved = m.sent / m.sendSeconds;
      const p50 = ((m.got.p50Us ?? 0) - base50) / 1000;
      const lost = m.sent - m.got.received;
      const ok = Math.abs(p50 - 10) <= Math.max(0.05 * 10, 0.5) && lost === 0;
      if (ok) sustained = Math.max(sustained, Math.round(achieved));
      const cpu = m.scheduler ? `${(m.scheduler.cpuUs / 1000 / (m.scheduler.received / 1000)).toFixed(2)} ms` : "—";
      console.log(`${"".padEnd(26)} ${pad(String(rate), 8)} ${pad(achieved.toFixed(0), 9)} ${pad(ms(m.got.p50Us), 8)} ${pad(ms(m.got.p99Us), 8)} ${pad(ms(m.scheduler?.lateUs.p99 ?? null), 9)} ${pad(cpu, 12)}  ${drops(m)}${ok ? "" : "  <- past the limit"}`);
      if (!ok) break;
    }
    console.log(`sustained per node (p50 within 0.5 ms of 10 ms, nothing lost): ${sustained} packets/s (aim: 5000)`);
  } finally {
    await removeVolume(docker, build.volume);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
