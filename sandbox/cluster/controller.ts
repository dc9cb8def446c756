// The cluster's controller container (programs/controller): the client side,
// with its record on a volume of its own, and the moment it says `ready`
// (the start of the main phase, on the host's clock).
import readline from "node:readline";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "../hardening.js";
import { RECORD_DIR, type ControllerSpec } from "../programs/controller/spec.js";
import { memberOf, type ClusterContext } from "./resources.js";

export interface StartedController {
  container: Docker.Container;
  /** Host clock (ms) of its `ready` line, or null if it never said it. */
  readyAt: Promise<number | null>;
}

export async function startController(ctx: ClusterContext, opts: { image: string; limits: Limits; spec: ControllerSpec; recordVolume: string }): Promise<StartedController> {
  const net = memberOf(ctx, ctx.plan.controller, "controller");
  const container = await ctx.docker.createContainer({
    name: `lg-${ctx.id}-controller`,
    Hostname: "controller",
    Image: opts.image,
    Cmd: ["/usr/local/bin/node", "/opt/labgrade/controller.js"],
    User: SANDBOX_USER,
    Env: [`LABGRADE_TEST=${JSON.stringify(opts.spec)}`],
    Labels: { ...ctx.labels, "labgrade.node": "controller" },
    HostConfig: hardenedHostConfig(opts.limits, {
      ...net.HostConfig,
      Mounts: [{ Type: "volume", Source: opts.recordVolume, Target: RECORD_DIR, ReadOnly: false }],
    }),
    NetworkingConfig: net.NetworkingConfig,
  });
  ctx.resources.containers.push(container);
  const readyAt = watchForReady(ctx.docker, container);
  await container.start();
  return { container, readyAt };
}

/**
 * Resolves with the host clock at which the controller printed its `ready`
 * line (the start of the main phase), or null if it never did. Follows the
 * container's output through the API, attached before start so no line is missed.
 */
function watchForReady(docker: Docker, controller: Docker.Container): Promise<number | null> {
  return new Promise((resolve) => {
    controller.attach({ stream: true, stdout: true, stderr: false }).then(
      (stream) => {
        const out = new PassThrough();
        docker.modem.demuxStream(stream, out, new PassThrough());
        const lines = readline.createInterface({ input: out });
        let done = false;
        const finish = (value: number | null) => {
          if (done) return;
          done = true;
          resolve(value);
          lines.close();
          (stream as unknown as { destroy?: () => void }).destroy?.();
        };
        lines.on("line", (line) => {
          if (line.startsWith('{"ready"')) finish(Date.now());
        });
        stream.on("end", () => finish(null));
        stream.on("error", () => finish(null));
      },
      () => resolve(null),
    );
  });
}
