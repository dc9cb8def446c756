// A web process follows the runner's progress announcements for all its event
// streams through one Redis subscriber (lib/submissions/progress-channel.ts):
// checked against the real Redis, through its own view of its clients.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ProgressChannel } from "../../lib/submissions/progress-channel.js";
import { REDIS_URL } from "../support/grading-stack.js";

const prefix = `test-progress-${randomBytes(4).toString("hex")}`;
let redis: Redis;
let channel: ProgressChannel;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
  channel = new ProgressChannel(REDIS_URL, prefix);
});

afterAll(async () => {
  await channel?.close();
  redis?.disconnect();
});

async function subscribers(id: string): Promise<number> {
  const [, count] = (await redis.pubsub("NUMSUB", `${prefix}:progress:${id}`)) as [string, number];
  return Number(count);
}

/** Redis's clients named as the channel names its connection, with the number of channels each holds. */
async function progressClients(): Promise<number[]> {
  const list = (await redis.client("LIST")) as string;
  return list
    .split("\n")
    .filter((line) => / name=labgrade-progress /.test(line))
    .map((line) => Number(/ sub=(\d+) /.exec(line)![1]));
}

describe("the progress channel", () => {
  it("follows many streams of many submissions through one connection, and tells only the right listeners", async () => {
    const heard = { a1: 0, a2: 0, a3: 0, b: 0 };
    const unwatch = {
      a1: channel.watch("a", () => heard.a1++),
      a2: channel.watch("a", () => heard.a2++),
      a3: channel.watch("a", () => heard.a3++),
      b: channel.watch("b", () => heard.b++),
    };
    await vi.waitFor(async () => {
      expect(await subscribers("a")).toBe(1);
      expect(await subscribers("b")).toBe(1);
    });
    // One connection holds both channels (other test files may run channels of their own).
    expect(await progressClients()).toContain(2);

    await redis.publish(`${prefix}:progress:a`, JSON.stringify({ verdict: "FAIL", test: "hidden-one" }));
    await vi.waitFor(() => expect([heard.a1, heard.a2, heard.a3]).toEqual([1, 1, 1]));
    await redis.publish(`${prefix}:progress:b`, "{}");
    await vi.waitFor(() => expect(heard.b).toBe(1));
    expect([heard.a1, heard.a2, heard.a3]).toEqual([1, 1, 1]);

    // The channel stays subscribed while anybody listens, and only as long.
    unwatch.a1();
    unwatch.a2();
    unwatch.a2();
    await redis.publish(`${prefix}:progress:a`, "{}");
    await vi.waitFor(() => expect(heard.a3).toBe(2));
    expect([heard.a1, heard.a2]).toEqual([1, 1]);
    expect(await subscribers("a")).toBe(1);
    unwatch.a3();
    unwatch.b();
    await vi.waitFor(async () => {
      expect(await subscribers("a")).toBe(0);
      expect(await subscribers("b")).toBe(0);
    });
    expect(channel.channels).toBe(0);

    // Watching again after everybody left subscribes again.
    let again = 0;
    const stop = channel.watch("a", () => again++);
    await vi.waitFor(async () => expect(await subscribers("a")).toBe(1));
    await redis.publish(`${prefix}:progress:a`, "{}");
    await vi.waitFor(() => expect(again).toBe(1));
    stop();
  });
});
