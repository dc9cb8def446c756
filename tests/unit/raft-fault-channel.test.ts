// The controller's end of the fault channel (Contract 3): one fault line per
// request on stdout, the runner's answer matched by id on stdin (whatever
// else arrives there), and our failure (never the student's) when the runner
// does not answer in time or closes the channel.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { RaftTesterError } from "../../sandbox/programs/controller/drivers/raft/checks.js";
import { StdioFaultChannel } from "../../sandbox/programs/controller/drivers/raft/faults.js";

function channel(timeoutMs = 1000) {
  const out = new PassThrough();
  const input = new PassThrough();
  const written: unknown[] = [];
  out.on("data", (d: Buffer) => written.push(...d.toString().trim().split("\n").map((l) => JSON.parse(l) as unknown)));
  return { faults: new StdioFaultChannel(out, input, timeoutMs), input, written };
}

describe("the fault channel", () => {
  it("asks on stdout and resolves with the answer that carries its id, ignoring other lines", async () => {
    const { faults, input, written } = channel();
    const first = faults.order("disconnect", "n2");
    const second = faults.order("unreliable");
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([{ fault: { id: 1, kind: "disconnect", node: "n2" } }, { fault: { id: 2, kind: "unreliable" } }]);
    input.write("not json\n");
    input.write(JSON.stringify({ something: "else" }) + "\n");
    input.write(JSON.stringify({ faultDone: { id: 2, ok: false, atMs: 10, detail: "this runner cannot shape packets" } }) + "\n");
    input.write(JSON.stringify({ faultDone: { id: 1, ok: true, atMs: 12, detail: "n2 cut from n0, n1" } }) + "\n");
    await expect(first).resolves.toEqual({ ok: true, atMs: 12, detail: "n2 cut from n0, n1" });
    await expect(second).resolves.toEqual({ ok: false, atMs: 10, detail: "this runner cannot shape packets" });
    faults.close();
  });

  it("fails as ours when the runner does not answer in time", async () => {
    const { faults } = channel(50);
    const err: unknown = await faults.order("crash", "n1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaftTesterError);
    expect((err as RaftTesterError).code).toBe("raft.fault-timeout");
    faults.close();
  });

  it("fails as ours, at once, when the runner closes the channel", async () => {
    const { faults, input } = channel(10_000);
    const pending = faults.order("restart", "n0");
    input.end();
    const err: unknown = await pending.catch((e: unknown) => e);
    expect((err as RaftTesterError).code).toBe("raft.fault-channel-closed");
    await expect(faults.order("connect", "n0")).rejects.toThrow("the runner closed the fault channel");
  });
});
