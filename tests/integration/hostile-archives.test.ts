// Hostile archives against the real stack (issue 15, items 12 and 13):
// shapes the engine cannot unpack (a file under a file, a name over 255
// bytes, a path over PATH_MAX) and an archive that climbs out of src/
// through symbolic links to folders. They are refused at upload with a code;
// one stored before the rules is the student's BUILD_FAILED at grading, on its
// first attempt and counted; a tar the engine cannot unpack (handed to the
// build directly, past validation) is a failed build, not our error; an
// engine that goes away during the unpack stays our error. On every path the
// build leaves nothing in the engine. The shapes one by one, with their
// messages, are in tests/unit/archive.test.ts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import Docker from "dockerode";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putBlob, sha256 } from "../../lib/blobs.js";
import { CancelledError, InfraError, StudentError } from "../../lib/errors.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { createSubmission, submissionLimitState } from "../../lib/submissions/create-submission.js";
import { buildSubmission, removeVolume } from "../../sandbox/build.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";
import type { ResourceOwner } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { limits, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const PYTHON = "labgrade/python:latest";

type Spec = { name: string; type?: "file" | "directory" | "symlink"; linkname?: string; body?: string };

/** A tar of exactly these entries, in this order (no validation, no normalising). */
async function rawTar(entries: Spec[], opts: { uid?: number } = {}): Promise<Buffer> {
  const out = pack();
  for (const e of entries) {
    const owner = { uid: opts.uid ?? 0, gid: opts.uid ?? 0, mtime: new Date(0) };
    if (e.type === "directory") out.entry({ ...owner, name: e.name, type: "directory", mode: 0o755 });
    else if (e.type === "symlink") out.entry({ ...owner, name: e.name, type: "symlink", linkname: e.linkname });
    else out.entry({ ...owner, name: e.name, mode: 0o644 }, e.body ?? "x");
  }
  out.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const deepPath = (segments: number) => Array.from({ length: segments }, (_, i) => `${i}`.padEnd(200, "d")).join("/");

/** The shapes, as a student would upload them (relative to the solution's folder). */
const SHAPES: Array<{ shape: string; entries: Spec[]; code: string; unpackError: RegExp }> = [
  {
    shape: "a file under a file",
    entries: [{ name: "node.py", body: "print()" }, { name: "a" }, { name: "a/b" }],
    code: "archive.path_under_file",
    unpackError: /open \/work\/src\/a\/b: not a directory/,
  },
  {
    shape: "a name over 255 bytes",
    entries: [{ name: "node.py", body: "print()" }, { name: `${"n".repeat(256)}.py` }],
    code: "archive.name_too_long",
    unpackError: /file name too long/,
  },
  {
    shape: "a path over PATH_MAX",
    entries: [{ name: "node.py", body: "print()" }, { name: `${deepPath(21)}/f` }],
    code: "archive.path_too_long",
    unpackError: /file name too long/,
  },
  {
    shape: "x -> ., x/y -> .., y/q -> .., y/file (out of src/ through linked folders)",
    entries: [
      { name: "node.py", body: "print()" },
      { name: "x", type: "symlink", linkname: "." },
      { name: "x/y", type: "symlink", linkname: ".." },
      { name: "y/q", type: "symlink", linkname: ".." },
      { name: "y/file", body: "escaped" },
    ],
    code: "archive.path_under_link",
    unpackError: /(?!)/, // the engine unpacks it (that is the hole): not used below
  },
];
const UNPACKABLE = SHAPES.filter((s) => s.code !== "archive.path_under_link");

/** The same entries under src/, owned by the sandbox user: what lib/archive.ts would hand the build, had it let them pass. */
const asNormalised = (entries: Spec[]) =>
  rawTar([{ name: "src", type: "directory" }, ...entries.map((e) => ({ ...e, name: `src/${e.name}` }))], { uid: SANDBOX_UID });

async function leftovers(owner: ResourceOwner): Promise<{ containers: string[]; volumes: string[] }> {
  const filters = { label: [`labgrade.job=${owner.jobId}`] };
  const [containers, volumes] = await Promise.all([docker.listContainers({ all: true, filters }), docker.listVolumes({ filters })]);
  return { containers: containers.map((c) => `${c.Names.join(",")} (${c.State})`), volumes: (volumes.Volumes ?? []).map((v) => v.Name) };
}

const uniqueOwner = (name: string) => testOwner(`archives-${name}-${process.pid}-${Date.now()}`);

describe("a tar the engine cannot unpack, handed to the build past validation", () => {
  it.each(UNPACKABLE)("$shape: a failed build with the engine's reason (the student's), the container gone before the volume", async ({ shape, entries, unpackError }) => {
    const owner = uniqueOwner(shape.split(" ").slice(-2).join("-"));
    const build = await buildSubmission(docker, { tar: await asNormalised(entries), image: PYTHON, command: "true", timeoutMs: 30_000, limits: limits.build, owner });
    try {
      expect(build.ok).toBe(false);
      if (build.ok) return;
      expect(build.reason).toMatch(/^the archive could not be unpacked into \/work: /);
      expect(build.reason.length).toBeLessThan(700);
      expect(build.log).toMatch(unpackError);
      // The build container is gone; only the holder that keeps the volume mounted remains, until it is released.
      expect((await leftovers(owner)).containers).toEqual([expect.stringMatching(/-holder \(running\)$/)]);
    } finally {
      await removeVolume(docker, build.volume);
    }
    expect(await leftovers(owner)).toEqual({ containers: [], volumes: [] });
  });

  it("a build cancelled midway leaves nothing: its container goes first, then its volume", async () => {
    const owner = uniqueOwner("cancelled");
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 3000);
    const tar = await asNormalised([{ name: "node.py", body: "print()" }]);
    const err = await buildSubmission(docker, { tar, image: PYTHON, command: "sleep 60", timeoutMs: 60_000, limits: limits.build, owner, signal: cancel.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Stopped, which is neither the student's failure nor ours: the grading decides what it means.
    expect(err).toBeInstanceOf(CancelledError);
    expect(await leftovers(owner)).toEqual({ containers: [], volumes: [] });
  });

  it("an engine that goes away during the unpack stays our error (retried, never charged), and leaves nothing", async () => {
    // The real engine behind an HTTP proxy that cuts the connection of the
    // archive upload (as an engine restarting under it would) and passes on
    // every other request.
    const engine = process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
    if (!engine.startsWith("unix://")) throw new Error(`this test proxies the engine's unix socket; DOCKER_HOST is ${engine}`);
    const socketPath = engine.slice("unix://".length);
    let cut = 0;
    const proxy = http.createServer((req, res) => {
      if (req.method === "PUT" && /\/containers\/[^/]+\/archive/.test(req.url ?? "")) {
        cut++;
        req.socket.destroy();
        return;
      }
      const upstream = http.request({ socketPath, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const viaProxy = new Docker({ host: "127.0.0.1", port: (proxy.address() as AddressInfo).port, protocol: "http" });
      const owner = uniqueOwner("engine-gone");
      const tar = await asNormalised(UNPACKABLE[0]!.entries);
      const err = await buildSubmission(viaProxy, { tar, image: PYTHON, command: "true", timeoutMs: 30_000, limits: limits.build, owner }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(cut).toBe(1);
      expect(err).toBeInstanceOf(InfraError);
      expect((err as InfraError).code).toBe("docker.build");
      expect(await leftovers(owner)).toEqual({ containers: [], volumes: [] });
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe("hostile archives through the upload and the runner", () => {
  let stack: GradingStack;
  beforeAll(async () => {
    stack = await createGradingStack("archives");
    const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await stack.createPythonEchoLab(course.id);
    await stack.db.lab.updateMany({ where: { courseId: course.id, slug: "py-echo" }, data: { submissionLimit: 10 } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it.each(SHAPES)("an upload with $shape is refused with $code, and nothing is stored", async ({ entries, code }) => {
    const alice = await stack.actor("alice@demo.labgrade.test");
    const before = await stack.db.submission.count();
    const upload = await packRaw(entries);
    const err = await createSubmission({ db: stack.db, queue: stack.queue }, alice, { courseSlug: DEMO_COURSE_SLUG, labSlug: "py-echo", upload }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StudentError);
    expect((err as StudentError).code).toBe(code);
    expect(await stack.db.submission.count()).toBe(before);
    expect(await stack.db.storedBlob.count({ where: { key: `archives/${sha256(upload)}` } })).toBe(0);
  });

  it("archives stored before these rules end BUILD_FAILED on their first attempt, with the reason, and count toward the limit", async () => {
    const alice = await stack.actor("alice@demo.labgrade.test");
    const lab = await stack.db.lab.findFirstOrThrow({ where: { slug: "py-echo", course: { slug: DEMO_COURSE_SLUG } } });
    const usedBefore = (await submissionLimitState(stack.db, lab, alice.userId)).used;
    const stored = [SHAPES.find((s) => s.code === "archive.path_under_file")!, SHAPES.find((s) => s.code === "archive.path_under_link")!];
    const submissions: Array<{ id: string; code: string }> = [];
    for (const { entries, code } of stored) {
      // Accepted then (a valid archive), its bytes swapped for the hostile ones before a runner sees it.
      const submission = await stack.submitPythonEcho(alice, DEMO_COURSE_SLUG);
      const hostile = await packRaw(entries);
      const blob = await putBlob(stack.db, `archives/${sha256(hostile)}`, hostile);
      await stack.db.submission.update({ where: { id: submission.id }, data: { archiveKey: blob.key, archiveBytes: blob.sizeBytes, contentHash: blob.sha256 } });
      submissions.push({ id: submission.id, code });
    }
    await stack.startRunner();
    for (const { id, code } of submissions) {
      expect(await stack.waitForFinalStatus(id, 120_000)).toBe("BUILD_FAILED");
      const done = await stack.db.submission.findUniqueOrThrow({ where: { id }, include: { jobs: { include: { attempts: true } } } });
      expect(done.statusDetail).toMatch(/^the archive was refused: /);
      expect(done.buildLog).toContain(code);
      expect(done.countsTowardLimit).toBe(true);
      expect(done.jobs.flatMap((j) => j.attempts.map((a) => [a.number, a.outcome]))).toEqual([[1, "BUILD_FAILED"]]);
    }
    expect((await submissionLimitState(stack.db, lab, alice.userId)).used).toBe(usedBefore + stored.length);
    // Nothing of these gradings is left in the engine.
    const jobIds = (await stack.db.gradingJob.findMany({ where: { submissionId: { in: submissions.map((s) => s.id) } } })).map((j) => j.id);
    for (const jobId of jobIds) {
      const filters = { label: [`labgrade.job=${jobId}`] };
      expect(await docker.listContainers({ all: true, filters })).toEqual([]);
      expect((await docker.listVolumes({ filters })).Volumes ?? []).toEqual([]);
    }
  }, 300_000);
});

/** A student's upload of these entries (gzipped, as the CLI would send it). */
async function packRaw(entries: Spec[]): Promise<Buffer> {
  const { gzipSync } = await import("node:zlib");
  return gzipSync(await rawTar(entries));
}
