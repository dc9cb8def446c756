// Benchmark: MIT 6.5840's Raft tests (3A-3D) on real clusters, run by our
// distributed tester against our reference Raft built as a student's upload
// (tests/support/raft.ts), in each layout. Prints, per test, how many of the
// repetitions passed, the wall time of each run (median and max) and the
// failures' reasons with their seeds (each failed run's record and logs are
// kept under var/bench/raft-failures/); then each layout's whole suite: its
// summed wall time per repetition (one repetition is what a grading of all
// four parts costs), and the pass count over every run.
//
// Run: npx tsx bench/raft-suite.ts [--repeat 5] [--layouts 2025,2024] [--tests TestFigure83C,...] [--reference raft-2025]
//   --reference names a folder under lib/labs/mit-6.5840/references (a broken one too, e.g. broken-2025/figure8).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import Docker from "dockerode";
import type { RaftLayout } from "../lib/labs/mit-6.5840/pack-raft.js";
import { RAFT_TESTS, needsShaping, type RaftTestName } from "../lib/labs/mit-6.5840/raft-tests.js";
import { removeVolume } from "../sandbox/build.js";
import type { ClusterTestResult } from "../sandbox/cluster.js";
import { probeCapabilities } from "../sandbox/capabilities.js";
import { buildRaftReference, runRaftCourseTest } from "../tests/support/raft.js";

const docker = new Docker();

interface Args {
  repeat: number;
  layouts: RaftLayout[];
  tests: RaftTestName[];
  reference?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { repeat: 5, layouts: ["2025", "2024"], tests: RAFT_TESTS.map((t) => t.name) };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const flag = argv[i];
    if (flag === "--repeat") {
      args.repeat = Number(value());
      if (!Number.isInteger(args.repeat) || args.repeat < 1) throw new Error("--repeat must be a whole number of at least 1");
    } else if (flag === "--layouts") {
      const layouts = value().split(",");
      for (const l of layouts) if (l !== "2025" && l !== "2024") throw new Error(`--layouts: ${l} is not a layout (2025 or 2024)`);
      args.layouts = layouts as RaftLayout[];
    } else if (flag === "--tests") {
      const names = value().split(",");
      const known = new Set<string>(RAFT_TESTS.map((t) => t.name));
      for (const n of names) if (!known.has(n)) throw new Error(`--tests: ${n} is not one of the course's tests (${[...known].join(", ")})`);
      args.tests = names as RaftTestName[];
    } else if (flag === "--reference") {
      args.reference = value();
    } else {
      throw new Error(`unknown option ${flag} (options: --repeat N, --layouts 2025,2024, --tests NAMES, --reference FOLDER)`);
    }
  }
  return args;
}

/** A failed run's record, fault log and every node's log, kept under var/bench/raft-failures/ for reading; returns the folder. */
async function keepFailedRun(test: string, seed: string, cluster: ClusterTestResult): Promise<string> {
  const dir = path.join("var", "bench", "raft-failures", `${test}-${seed}`);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "record.jsonl"), cluster.lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  await writeFile(path.join(dir, "faults.json"), JSON.stringify(cluster.faults, null, 1));
  await writeFile(path.join(dir, "controller.log"), cluster.controllerLog);
  for (const node of cluster.nodes) await writeFile(path.join(dir, `${node.id}.log`), node.log);
  return dir;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? 0;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const shaper = (await probeCapabilities(docker)).shaping.kind;
  console.log(`Raft suite: ${args.tests.length} tests × ${args.repeat} repetitions, layouts ${args.layouts.join(", ")}; packets shaped by: ${shaper}`);
  for (const layout of args.layouts) {
    const reference = args.reference ?? `raft-${layout}`;
    const build = await buildRaftReference(docker, layout, reference);
    if (!build.ok) throw new Error(`${reference} did not build:\n${build.log}`);
    console.log(`\n${reference} (${layout} layout), built in ${seconds(build.durationMs)}`);
    console.log(["test".padEnd(34), "passed", "median".padStart(9), "max".padStart(9)].join("  "));
    const suiteMs = new Array<number>(args.repeat).fill(0);
    let passes = 0;
    let runs = 0;
    try {
      for (const name of args.tests) {
        const info = RAFT_TESTS.find((t) => t.name === name)!;
        if (needsShaping(info) && shaper === "none") {
          console.log(`${name.padEnd(34)}  not run: it needs lost and delayed packets, and this runner can shape none`);
          continue;
        }
        const times: number[] = [];
        const failures: string[] = [];
        for (let r = 0; r < args.repeat; r++) {
          const run = await runRaftCourseTest(docker, { buildVolume: build.volume!, test: name, shaper, owner: `bench-raft-${name}` });
          times.push(run.wallMs);
          suiteMs[r]! += run.wallMs;
          runs++;
          if (run.judged.verdict === "PASS") passes++;
          else failures.push(`    ${run.judged.verdict} (seed ${run.seed}): ${run.judged.reason}\n      its record and logs: ${await keepFailedRun(name, run.seed, run.cluster)}`);
        }
        console.log([name.padEnd(34), `${args.repeat - failures.length}/${args.repeat}`.padStart(6), seconds(median(times)).padStart(9), seconds(Math.max(...times)).padStart(9)].join("  "));
        for (const f of failures) console.log(f);
      }
    } finally {
      await removeVolume(docker, build.volume!);
    }
    console.log(`${reference}: ${passes} of ${runs} runs passed; the whole suite took ${suiteMs.map(seconds).join(", ")} per repetition (median ${seconds(median(suiteMs))})`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
