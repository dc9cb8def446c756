// The suite editor's "paste a Maelstrom command" form against the built app
// (issue 20, item 14): an instructor pastes Fly.io's efficient-broadcast
// command (with the en dash many copies carry), sees the test it becomes and
// what was left out, adds it to the suite and saves a version that holds it;
// a command we cannot honour shows each problem, and adds nothing. The
// conversion itself is tested flag by flag in tests/unit/from-maelstrom.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import type { WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

let stack: WebStack;
let db: Db;
let server: WebServer;

beforeAll(async () => {
  stack = await createWebStack("maelstrom-paste");
  ({ db, server } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("pasting a Maelstrom command into the suite editor", () => {
  it("converts it, adds the test to the suite, and the saved version holds it", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ baseURL: server.url });
      await signInWithForm(page, "instructor@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/broadcast/suite`);
      const before = await db.suiteVersion.count({ where: { lab: { slug: "broadcast" } } });

      await page.getByLabel("Paste a Maelstrom command").fill("./maelstrom test -w kafka --bin ~/go/bin/k --nemesis kill –-speed 2");
      await page.getByRole("button", { name: "Convert to a test" }).click();
      const problems = page.getByTestId("problems");
      await problems.waitFor();
      await expect(problems.textContent()).resolves.toMatch(/--speed is not a flag of `maelstrom test`.*--nemesis kill: Maelstrom's only nemesis is partition/);
      expect(await page.getByTestId("maelstrom-test").count()).toBe(0);

      await page
        .getByLabel("Paste a Maelstrom command")
        .fill("./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100 –-nemesis partition");
      await page.getByLabel("Test name (optional)").fill("efficient-partitioned");
      await page.getByRole("button", { name: "Convert to a test" }).click();
      const converted = page.getByTestId("maelstrom-test");
      await converted.waitFor();
      await expect(converted.textContent()).resolves.toContain("- name: efficient-partitioned\n    workload: broadcast\n    nodes: 25\n");
      await expect(page.getByTestId("maelstrom-notes").textContent()).resolves.toMatch(/read "–-nemesis" as --nemesis.*--bin ~\/go\/bin\/maelstrom-broadcast is left out/);

      await page.getByRole("button", { name: "Add to the suite" }).click();
      await expect(page.getByLabel("Suite (YAML or JSON)").inputValue()).resolves.toMatch(/\n {2}- name: efficient-partitioned\n {4}workload: broadcast\n/);
      await page.getByRole("button", { name: "Save as a new version" }).click();
      await page.getByText(/^Saved as version \d+, a draft/).waitFor();
      const saved = await db.suiteVersion.findFirstOrThrow({ where: { lab: { slug: "broadcast" } }, orderBy: { version: "desc" } });
      expect(await db.suiteVersion.count({ where: { lab: { slug: "broadcast" } } })).toBe(before + 1);
      expect(saved.source).toContain("  - name: efficient-partitioned\n    workload: broadcast\n    nodes: 25\n    concurrency: 25\n    rate: 100\n");
      expect(saved.source).toContain("    faults:\n      - { kind: partition, at: 10, mode: isolate, node: random }\n");
    } finally {
      await browser.close();
    }
  });
});
