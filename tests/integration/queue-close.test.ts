// A process that opens the grading queue and closes it ends by itself: the
// queue's own Redis connection goes with it (BullMQ leaves a connection it is
// given open, and a benchmark once hung for 20 minutes after printing).
import { spawn } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { REDIS_URL } from "../support/grading-stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

it("lets a process that closed its grading queue exit", async () => {
  const script = [
    'import { createGradingQueue } from "./lib/queue.ts";',
    `const queue = createGradingQueue({ redisUrl: ${JSON.stringify(REDIS_URL)}, prefix: "queue-close-${process.pid}" });`,
    "await queue.waitUntilReady();",
    "await queue.getJobCounts();",
    "await queue.close();",
    'console.log("closed");',
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 15_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  expect(out).toContain("closed");
  // null: still running 15 s after closing its queue.
  expect(code, out).toBe(0);
});
