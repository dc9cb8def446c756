// The build step and the two protocol modes on the real engine: compiler
// errors are the student's result, vendored Go dependencies build without a
// network, nodes reach the lin-kv service inside the cluster, and native-mode
// programs serve clients themselves.
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { checkEcho } from "../../lib/checkers/echo.js";
import type { HistoryEvent } from "../../lib/history.js";
import type { ClusterTestResult } from "../../sandbox/cluster.js";
import { buildFixture, runFixtureCluster } from "../support/sandbox.js";

const docker = new Docker();
const GO_BUILD = "go build -o /work/out/node .";
const events = (result: ClusterTestResult): HistoryEvent[] => result.lines.flatMap((l) => ("event" in l ? [l.event] : []));

describe("build step", () => {
  it("reports a compile error as the student's build failure, with the compiler's words", async () => {
    const build = await buildFixture(docker, "go-compile-error", "labgrade/go:latest", GO_BUILD);
    await build.remove();
    expect(build.ok).toBe(false);
    if (build.ok) return;
    expect(build.reason).toBe("build command exited with status 1");
    expect(build.log).toContain("undefined: undefinedFunction");
  });

  it("builds a Go module with vendored dependencies and no network", async () => {
    const build = await buildFixture(docker, "go-vendored", "labgrade/go:latest", `${GO_BUILD} && /work/out/node`);
    await build.remove();
    expect(build.log).toContain("hello from vendor");
    expect(build.ok).toBe(true);
  });
});

describe("cluster services", () => {
  it("lets nodes call lin-kv inside the cluster", async () => {
    const build = await buildFixture(docker, "kv-echo", "labgrade/python:latest", "true");
    try {
      const result = await runFixtureCluster(docker, build.volume, {
        runImage: "labgrade/python:latest",
        runCommand: "python3 /work/src/node.py",
        nodeCount: 2,
        controller: { workload: "echo", concurrency: 2, ratePerSecond: 10, durationMs: 2000, seed: "3", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      });
      const checked = checkEcho(events(result));
      expect(checked.verdict).toBe("PASS");
      expect(checked.evidence.ok).toBeGreaterThan(10);
      // Node-to-service traffic is server traffic: the agents counted it.
      const sent = result.lines.flatMap((l) => ("stats" in l ? [l.stats.serverMessagesSent] : []));
      expect(sent.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 * (checked.evidence.ok as number));
    } finally {
      await build.remove();
    }
  });
});

describe("native mode", () => {
  it("gives the program its id, port and peers, and clients reach it directly", async () => {
    const build = await buildFixture(docker, "native-echo", "labgrade/python:latest", "true");
    try {
      const result = await runFixtureCluster(docker, build.volume, {
        runImage: "labgrade/python:latest",
        runCommand: "python3 /work/src/node.py",
        protocol: "native",
        controller: { workload: "echo", concurrency: 2, ratePerSecond: 10, durationMs: 2000, seed: "4", requestTimeoutMs: 2000, readyTimeoutMs: 20_000 },
      });
      expect(checkEcho(events(result)).verdict).toBe("PASS");
      const n1 = result.nodes.find((n) => n.id === "n1")!.log;
      expect(n1).toContain("NATIVE id=n1 port=7000 peers=n0=n0:7000,n2=n2:7000");
      // No agent in the message path: no message counters to report.
      expect(result.lines.some((l) => "stats" in l)).toBe(false);
    } finally {
      await build.remove();
    }
  });
});
