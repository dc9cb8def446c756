// What a runner learns and cleans up in its engine: the capability probe tells
// the truth about netem, and the reaper removes exactly what dead runners (or
// too-old gradings) left behind.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { probeCapabilities } from "../../sandbox/capabilities.js";
import { labelsFor } from "../../sandbox/labels.js";
import { reapLeftovers } from "../../sandbox/reaper.js";

const docker = new Docker();
const run = promisify(execFile);

describe("capabilities", () => {
  it("reports netem exactly when the host kernel can add a netem qdisc", async () => {
    // An independent check, on the host, in a throw-away network namespace.
    const hostHasNetem = await run("unshare", ["-n", "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms"]).then(
      () => true,
      () => false,
    );
    const caps = await probeCapabilities(docker);
    expect(caps.netem.available).toBe(hostHasNetem);
    if (!hostHasNetem) {
      console.log(`netem is absent on this host, as the runner reports: ${caps.netem.detail}`);
      expect(caps.netem.detail).toMatch(/qdisc|netem/i);
    }
    expect(caps.images.base).toMatch(/^sha256:/);
    expect(caps.engineVersion).not.toBe("");
  });
});

describe("reaper", () => {
  async function leftovers(runnerId: string, createdMs: number) {
    const labels = { ...labelsFor({ runnerId, jobId: "reap-test", test: "t", owner: "tests" }), "labgrade.created-ms": String(createdMs) };
    const suffix = randomBytes(4).toString("hex");
    const network = await docker.createNetwork({ Name: `lg-reap-${suffix}`, Internal: true, Labels: labels });
    const volume = await docker.createVolume({ Name: `lg-reap-${suffix}`, Labels: labels });
    const container = await docker.createContainer({ Image: "labgrade/base:latest", Cmd: ["/bin/sleep", "60"], Labels: labels, HostConfig: { NetworkMode: `lg-reap-${suffix}` } });
    await container.start();
    return { networkId: network.id, volume: volume.name, containerId: container.id };
  }
  const exists = {
    container: (id: string) => docker.getContainer(id).inspect().then(() => true, () => false),
    network: (id: string) => docker.getNetwork(id).inspect().then(() => true, () => false),
    volume: (name: string) => docker.getVolume(name).inspect().then(() => true, () => false),
  };

  it("removes a dead runner's containers, networks and volumes, and leaves a live one's", async () => {
    const dead = `dead-${randomBytes(3).toString("hex")}`;
    const live = `live-${randomBytes(3).toString("hex")}`;
    const gone = await leftovers(dead, Date.now());
    const kept = await leftovers(live, Date.now());
    const old = await leftovers(live, Date.now() - 3 * 3600_000);
    try {
      const report = await reapLeftovers(docker, { deadRunnerIds: new Set([dead]), maxAgeMs: 2 * 3600_000 });
      expect(report.containers).toBeGreaterThanOrEqual(2);
      expect(await exists.container(gone.containerId)).toBe(false);
      expect(await exists.network(gone.networkId)).toBe(false);
      expect(await exists.volume(gone.volume)).toBe(false);
      // Too old to belong to any grading still running, whoever owns it.
      expect(await exists.container(old.containerId)).toBe(false);
      // A live runner's young resources stay.
      expect(await exists.container(kept.containerId)).toBe(true);
      expect(await exists.network(kept.networkId)).toBe(true);
    } finally {
      await docker.getContainer(kept.containerId).remove({ force: true }).catch(() => undefined);
      await docker.getNetwork(kept.networkId).remove().catch(() => undefined);
      await docker.getVolume(kept.volume).remove().catch(() => undefined);
      await docker.getNetwork(old.networkId).remove().catch(() => undefined);
      await docker.getVolume(old.volume).remove().catch(() => undefined);
    }
  });
});
