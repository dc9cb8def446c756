// What this runner's Docker engine can do, announced in the runners table and
// used by suite validation, and whether it answers at all (pingEngine: the
// runner takes no work while it does not). netem is probed for real (a
// throw-away container tries to add the qdisc), never assumed: many hosts have
// it, this one not.
import type Docker from "dockerode";
import { readOutput } from "./container-io.js";
import { imageName, RECIPES } from "./images/recipes.js";

export interface EngineCapabilities {
  engineVersion: string;
  apiVersion: string;
  cgroupVersion: string;
  images: Record<string, string | null>;
  netem: { available: boolean; detail: string };
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

export async function probeCapabilities(docker: Docker): Promise<EngineCapabilities> {
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
  return {
    engineVersion: version.Version,
    apiVersion: version.ApiVersion,
    cgroupVersion: info.CgroupVersion ?? "unknown",
    images,
    netem: images.base ? await probeNetem(docker, `${imageName("base")}:latest`) : { available: false, detail: "base image missing" },
  };
}

async function probeNetem(docker: Docker, image: string): Promise<{ available: boolean; detail: string }> {
  const container = await docker.createContainer({
    Image: image,
    User: "0:0",
    // The loopback device of its own (network-less) namespace: nothing else is needed.
    Cmd: ["/bin/sh", "-c", "/usr/sbin/tc qdisc add dev lo root netem delay 1ms && echo NETEM_OK"],
    Labels: { "labgrade.managed": "1", "labgrade.runner": "probe", "labgrade.created-ms": String(Date.now()) },
    HostConfig: { CapDrop: ["ALL"], CapAdd: ["NET_ADMIN"], NetworkMode: "none", AutoRemove: false },
  });
  try {
    await container.start();
    await container.wait();
    const out = await readOutput(container);
    if (out.stdout.includes("NETEM_OK")) return { available: true, detail: "sch_netem present" };
    const detail = (out.stderr.trim().split("\n").pop() ?? "").trim();
    return { available: false, detail: detail || "tc could not add a netem qdisc" };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}
