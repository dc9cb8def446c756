// The fault channel between a controller and the runner
// (sandbox/cluster/controller.ts): a container prints fault requests on its
// stdout and reads the answers on its stdin, both through the Docker API's
// attach, in the order asked; malformed requests are answered with why, and
// nothing else it prints is taken for a request.
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { followController } from "../../sandbox/cluster/controller.js";
import { readOutput, waitForExit } from "../../sandbox/container-io.js";
import type { FaultRequest } from "../../sandbox/ordered-faults.js";

const docker = new Docker();
const created: Docker.Container[] = [];

afterAll(async () => {
  for (const c of created) await c.remove({ force: true }).catch(() => undefined);
});

/** A container that prints `lines` on stdout, then copies each answer it reads from stdin to stderr. */
async function talker(lines: string[], answers: number) {
  const script = [...lines.map((l) => `printf '%s\\n' '${l}'`), `i=0; while [ $i -lt ${answers} ] && read -r a; do echo "got $a" >&2; i=$((i+1)); done`].join("\n");
  const container = await docker.createContainer({
    Image: "labgrade/base:latest",
    Cmd: ["sh", "-c", script],
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    Labels: { "labgrade.test": "fault-channel" },
    HostConfig: { NetworkMode: "none" },
  });
  created.push(container);
  return container;
}

describe("the fault channel", () => {
  it("answers each request on stdin, in order, with the handler's answer; refuses malformed ones; ignores other lines", async () => {
    const container = await talker(
      [
        '{"ready":{"nodes":["n0"],"waitedMs":3}}',
        '{"fault":{"id":1,"kind":"disconnect","node":"n1"}}',
        'a node could print {"fault":{"id":9,"kind":"crash","node":"n0"}} but this line does not start with it',
        '{"fault":{"id":2,"kind":"unreliable"}}',
        '{"fault":{"id":3,"kind":"crash"}}',
        '{"fault":{"id":4,"kind":"crash","node":"n0","command":"x"}}',
      ],
      4,
    );
    const asked: FaultRequest[] = [];
    const { readyAt } = await followController(docker, container, async (request) => {
      asked.push(request);
      // The first answer is slow: the second must still come after it.
      if (request.id === 1) await new Promise((r) => setTimeout(r, 300));
      return { ok: true, atMs: 10 * request.id, detail: `did ${request.kind}` };
    });
    await container.start();
    expect(await readyAt).toBeGreaterThan(0);
    const exit = await waitForExit(container, AbortSignal.timeout(20_000));
    expect(exit?.StatusCode).toBe(0);
    expect(asked.map((r) => r.id)).toEqual([1, 2]);
    const got = (await readOutput(container)).stderr.trim().split("\n").map((l) => JSON.parse(l.replace(/^got /, "")) as { faultDone: { id: number; ok: boolean; detail: string } });
    expect(got.map((g) => [g.faultDone.id, g.faultDone.ok])).toEqual([
      [1, true],
      [2, true],
      [3, false],
      [4, false],
    ]);
    expect(got[0]!.faultDone.detail).toBe("did disconnect");
    expect(got[2]!.faultDone.detail).toContain("name a node");
    expect(got[3]!.faultDone.detail).toContain("command");
  });

  it("says a controller that never printed ready never did", async () => {
    const container = await talker(['{"fault":{"id":1,"kind":"reliable"}}'], 1);
    const { readyAt } = await followController(docker, container, async () => ({ ok: true, atMs: 0, detail: "done" }));
    await container.start();
    await waitForExit(container, AbortSignal.timeout(20_000));
    expect(await readyAt).toBeNull();
    expect((await readOutput(container)).stderr).toContain('"faultDone":{"id":1,"ok":true');
  });
});
