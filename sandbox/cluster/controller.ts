// The cluster's controller container (programs/controller): the client side,
// with its record on a volume of its own, the moment it says `ready` (the
// start of the main phase, on the host's clock), and the fault channel: a
// driver that decides faults while it runs (the Raft tester: whom to cut off
// depends on who leads) prints `{"fault":…}` on its stdout, and the runner
// answers `{"faultDone":…}` on its stdin, both through the Docker API's attach
// (a remote engine works; no route into the lab network is needed). Only this
// container's stdout is read: nothing a node prints can ask for a fault.
import readline from "node:readline";
import { PassThrough, type Duplex } from "node:stream";
import type Docker from "dockerode";
import { errorMessage } from "../../lib/errors.js";
import { hardenedHostConfig, SANDBOX_USER, type Limits } from "../hardening.js";
import { faultRequestSchema, MAX_FAULT_REQUESTS, type FaultDone, type FaultRequest } from "../ordered-faults.js";
import { RECORD_DIR, type ControllerSpec } from "../programs/controller/spec.js";
import { memberOf, type ClusterContext } from "./resources.js";

export interface StartedController {
  container: Docker.Container;
  /** Host clock (ms) of its `ready` line, or null if it never said it. */
  readyAt: Promise<number | null>;
}

/** Carries out one fault the controller asked for; its answer goes back on the controller's stdin. */
export type FaultHandler = (request: FaultRequest) => Promise<Omit<FaultDone, "id">>;

export async function startController(
  ctx: ClusterContext,
  opts: { image: string; limits: Limits; spec: ControllerSpec; recordVolume: string; onFault: FaultHandler },
): Promise<StartedController> {
  const net = memberOf(ctx, ctx.plan.controller, "controller");
  const container = await ctx.docker.createContainer({
    name: `lg-${ctx.id}-controller`,
    Hostname: "controller",
    Image: opts.image,
    Cmd: ["/usr/local/bin/node", "/opt/labgrade/controller.js"],
    User: SANDBOX_USER,
    Env: [`LABGRADE_TEST=${JSON.stringify(opts.spec)}`],
    Labels: { ...ctx.labels, "labgrade.node": "controller" },
    // Stdin stays open for the fault channel's answers.
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    HostConfig: hardenedHostConfig(opts.limits, {
      ...net.HostConfig,
      Mounts: [{ Type: "volume", Source: opts.recordVolume, Target: RECORD_DIR, ReadOnly: false }],
    }),
    NetworkingConfig: net.NetworkingConfig,
  });
  ctx.resources.containers.push(container);
  // Attached before it starts: a controller that prints at once loses nothing.
  const { readyAt } = await followController(ctx.docker, container, opts.onFault);
  await container.start();
  return { container, readyAt };
}

/**
 * Follows the controller's stdout through the API. Resolves once attached, so
 * the caller starts the container after it and no line is missed; `readyAt`
 * then resolves with the host clock of its `ready` line (null if it never
 * printed one), and each fault request is answered on its stdin, in the order
 * asked, one at a time.
 */
export async function followController(docker: Docker, controller: Docker.Container, onFault: FaultHandler): Promise<{ readyAt: Promise<number | null> }> {
  const duplex = (await controller.attach({ stream: true, stdin: true, stdout: true, stderr: false, hijack: true })) as unknown as Duplex;
  const readyAt = new Promise<number | null>((resolve) => {
    const out = new PassThrough();
    docker.modem.demuxStream(duplex, out, new PassThrough());
    const lines = readline.createInterface({ input: out });
    let ready = false;
    let requests = 0;
    let answering = Promise.resolve();
    const answer = (done: FaultDone) => {
      if (!duplex.destroyed) duplex.write(JSON.stringify({ faultDone: done }) + "\n");
    };
    lines.on("line", (line) => {
      if (line.startsWith('{"ready"') && !ready) {
        ready = true;
        resolve(Date.now());
        return;
      }
      if (!line.startsWith('{"fault"')) return;
      const request = parseFaultLine(line);
      const tooMany = ++requests > MAX_FAULT_REQUESTS;
      // Every answer, a refusal included, waits for the ones asked before it.
      answering = answering.then(async () => {
        if (!request.ok) return answer({ id: request.id, ok: false, atMs: 0, detail: request.error });
        if (tooMany) return answer({ id: request.value.id, ok: false, atMs: 0, detail: `more than ${MAX_FAULT_REQUESTS} fault requests in one test` });
        try {
          answer({ id: request.value.id, ...(await onFault(request.value)) });
        } catch (err) {
          answer({ id: request.value.id, ok: false, atMs: 0, detail: errorMessage(err) });
        }
      });
    });
    const end = () => {
      if (!ready) resolve(null);
      ready = true;
    };
    duplex.on("end", end);
    duplex.on("close", end);
    duplex.on("error", end);
  });
  return { readyAt };
}

/** A fault line, checked: our controller wrote it, but it runs on the lab network beside hostile nodes. */
export function parseFaultLine(line: string): { ok: true; value: FaultRequest } | { ok: false; id: number; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, id: -1, error: "the fault request is not JSON" };
  }
  const fault = (raw as { fault?: unknown }).fault;
  const parsed = faultRequestSchema.safeParse(fault);
  if (parsed.success) return { ok: true, value: parsed.data };
  const id = typeof (fault as { id?: unknown })?.id === "number" ? (fault as { id: number }).id : -1;
  return { ok: false, id, error: `not a fault request: ${parsed.error.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; ")}` };
}
