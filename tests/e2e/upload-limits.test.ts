// Limits on submissions and uploads against the built app over HTTP, with
// real PostgreSQL and Redis, as a hostile student would test them:
// - eight parallel API submissions to a lab with a limit of 2: exactly two
//   are accepted, the others refused with `submission.limit`;
// - 47 MB chunked uploads, four at once, to a lab whose limit is 10 MiB: each
//   is refused (413) having read no further than about the lab's limit, the
//   client hears so before it has sent everything, and the server's memory
//   does not grow by anything like the bodies sent;
// - a declared Content-Length over the limit is refused without waiting for
//   the body; a lab that is not open, or a limit already used up, refuses an
//   upload before reading it;
// - concurrent uploads are capped per person and per web process (429), and
//   an upload that ends or is abandoned gives its place back;
// - the web form accepts an archive as large as the lab form allows, and
//   refuses a larger one with a message that says so.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { pack } from "tar-stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiToken } from "../../lib/api/tokens.js";
import type { Db } from "../../lib/db.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { MAX_LAB_ARCHIVE_BYTES } from "../../lib/labs/archive-size.js";
import { DEMO_COURSE_SLUG, DEMO_PASSWORD } from "../../lib/seed/demo-course.js";
import { launchBrowser, signInWithForm } from "../support/browser.js";
import { signInOverHttp, type WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const MiB = 1024 * 1024;
/** Eight, so that the eight parallel submissions of one student all reach the limit's count. */
const UPLOADS_PER_USER = 8;
const UPLOADS_PER_PROCESS = 10;
/** What loopback sockets and the server's stream buffers may hold beyond what the server reads. */
const SOCKET_SLACK_BYTES = 12 * MiB;
let stack: WebStack;
let db: Db;
let server: WebServer;
let archive: Buffer;

type ErrorBody = { error?: { code: string; message: string } } & Record<string, unknown>;

const tokens = new Map<string, string>();
async function tokenFor(email: string): Promise<string> {
  if (!tokens.has(email)) {
    const user = await db.user.findUniqueOrThrow({ where: { email } });
    tokens.set(email, (await createApiToken(db, { userId: user.id, isPlatformAdmin: false }, { name: "uploads", scope: "SUBMIT", expiresInDays: 1 })).token);
  }
  return tokens.get(email)!;
}

/** A fresh student of the demo course. */
async function student(name: string): Promise<string> {
  const email = `${name}-${randomBytes(3).toString("hex")}@uploads.labgrade.test`;
  const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  await db.user.create({ data: { email, name, memberships: { create: { courseId: course.id, role: "STUDENT" } } } });
  return email;
}

const submissionsUrl = (lab: string) => `${server.url}/api/v1/courses/${DEMO_COURSE_SLUG}/labs/${lab}/submissions`;

async function submit(email: string, lab: string, body: Buffer) {
  const response = await fetch(submissionsUrl(lab), {
    method: "POST",
    headers: { authorization: `Bearer ${await tokenFor(email)}`, "content-type": "application/gzip" },
    body: new Uint8Array(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

interface StreamedUpload {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: ErrorBody;
  /** Bytes handed to the socket when the answer arrived. */
  sentBytes: number;
  /** Whether the whole body had been sent by then. */
  sentAll: boolean;
}

interface UploadHandle {
  answer: Promise<StreamedUpload>;
  /** Sends the rest of the body (`rest` bytes of zeros) and ends it. */
  finish(rest?: number): void;
  /** Drops the connection mid-body, as a client that goes away would. */
  abandon(): void;
}

/**
 * Streams `totalBytes` of zeros to the submissions route in `chunkBytes`
 * writes with a pause after each (chunked unless `declaredLength` is given),
 * stopping as soon as the server answers. With `holdAfterBytes` it sends that
 * much and then waits (for finish(), abandon() or the answer).
 */
function streamUpload(
  bearer: string,
  lab: string,
  opts: { totalBytes: number; chunkBytes?: number; pauseMs?: number; declaredLength?: number; holdAfterBytes?: number },
): UploadHandle {
  const chunk = Buffer.alloc(opts.chunkBytes ?? 256 * 1024);
  let sent = 0;
  let answered = false;
  let release: ((rest: number | null) => void) | undefined;
  const request = http.request(submissionsUrl(lab), {
    method: "POST",
    headers: {
      authorization: `Bearer ${bearer}`,
      "content-type": "application/gzip",
      ...(opts.declaredLength !== undefined ? { "content-length": String(opts.declaredLength) } : {}),
    },
  });
  // Headers go out at once, even before any of the body.
  request.flushHeaders();
  const answer = new Promise<StreamedUpload>((resolve, reject) => {
    request.on("response", (response) => {
      answered = true;
      const sentBytes = sent;
      const sentAll = sent >= opts.totalBytes;
      release?.(null);
      const parts: Buffer[] = [];
      response.on("data", (part: Buffer) => parts.push(part));
      response.on("end", () => {
        request.destroy();
        const text = Buffer.concat(parts).toString("utf8");
        try {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) as ErrorBody, sentBytes, sentAll });
        } catch {
          reject(new Error(`answer ${response.statusCode} is not JSON: ${text.slice(0, 300)}`));
        }
      });
    });
    // After the answer the server may close its end while we still write: that is expected.
    request.on("error", (err) => {
      if (!answered) reject(err);
    });
  });
  const write = async (bytes: number) => {
    for (let done = 0; done < bytes && !answered; done += chunk.length) {
      const part = bytes - done < chunk.length ? chunk.subarray(0, bytes - done) : chunk;
      const flushed = request.write(part);
      sent += part.length;
      if (!flushed) await new Promise<void>((resume) => {
        request.once("drain", resume);
        void answer.finally(resume).catch(() => undefined);
      });
      if (opts.pauseMs) await new Promise((r) => setTimeout(r, opts.pauseMs));
    }
  };
  void (async () => {
    const first = opts.holdAfterBytes ?? opts.totalBytes;
    await write(first);
    if (opts.holdAfterBytes !== undefined) {
      const rest = await new Promise<number | null>((r) => (release = r));
      if (rest === null || answered) return;
      await write(rest);
    }
    if (!answered) request.end();
  })().catch(() => undefined);
  return {
    answer,
    finish: (rest = 0) => release?.(rest),
    abandon: () => {
      release?.(null);
      request.destroy();
    },
  };
}

/** A plain (not gzipped) tar of one file of `size` bytes: 512 bytes of header, the file, 1024 bytes of end marker. */
async function plainTar(size: number): Promise<Buffer> {
  const out = pack();
  out.entry({ name: "main.go", size, mode: 0o644, mtime: new Date(0) }, Buffer.alloc(size, "a"));
  out.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Resident memory of the web server and its children, in bytes (from /proc). */
function serverRssBytes(): number {
  const pids = [server.pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, "utf8").trim();
      if (children) pids.push(...children.split(/\s+/).map(Number));
    } catch {
      // gone
    }
  }
  let total = 0;
  for (const pid of pids) {
    try {
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(kib ?? 0) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

beforeAll(async () => {
  archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
  stack = await createWebStack("upload-limits", { env: { LABGRADE_UPLOADS_PER_USER: String(UPLOADS_PER_USER), LABGRADE_UPLOADS_PER_PROCESS: String(UPLOADS_PER_PROCESS) } });
  ({ db, server } = stack);
});

afterAll(async () => {
  await stack?.close();
});

describe("submission limits", () => {
  it("accepts exactly the lab's limit of eight parallel API submissions", async () => {
    await db.lab.update({ where: { courseId_slug: { courseId: (await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } })).id, slug: "g-set" } }, data: { submissionLimit: 2, submissionWindowSeconds: null } });
    const email = await student("racer");
    await tokenFor(email);
    const answers = await Promise.all(Array.from({ length: 8 }, () => submit(email, "g-set", archive)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, JSON.stringify(answers.map((a) => a.body))).toEqual([201, 201, 422, 422, 422, 422, 422, 422]);
    for (const refused of answers.filter((a) => a.status === 422)) {
      expect(refused.body.error).toEqual({ code: "submission.limit", message: "you have used all 2 submissions for this lab" });
    }
    expect(await db.submission.count({ where: { user: { email }, lab: { slug: "g-set" } } })).toBe(2);
    expect(await db.gradingJob.count({ where: { submission: { user: { email } } } })).toBe(2);
  });
});

describe("uploads", () => {
  it("refuses four parallel 47 MB chunked uploads having read no further than the lab's 10 MiB limit", async () => {
    const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } });
    expect(lab.maxArchiveBytes).toBe(10 * MiB);
    const students = await Promise.all(["ann", "ben", "cat", "dan"].map(student));
    const bearers = await Promise.all(students.map(tokenFor));
    // Warm the route up (its first call compiles nothing in production, but loads modules).
    expect((await submit(students[0]!, "echo", Buffer.from("warm-up"))).status).toBe(422);
    const before = serverRssBytes();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, serverRssBytes())), 20);
    const answers = await Promise.all(bearers.map((bearer) => streamUpload(bearer, "echo", { totalBytes: 47 * MiB, pauseMs: 2 }).answer)).finally(() => clearInterval(sampler));
    const grownMiB = (peak - before) / MiB;
    console.log(
      `web server RSS before ${(before / MiB).toFixed(0)} MiB, peak during the uploads ${(peak / MiB).toFixed(0)} MiB (+${grownMiB.toFixed(0)} MiB); ` +
        `sent before the answers: ${answers.map((a) => (a.sentBytes / MiB).toFixed(1)).join(", ")} MiB`,
    );
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(413);
      expect(answer.body.error).toEqual({ code: "archive.too_large", message: "the archive is larger than this lab's limit of 10 MiB" });
      // The answer came while the client was still sending, after about the lab's limit.
      expect(answer.sentAll).toBe(false);
      expect(answer.sentBytes).toBeGreaterThan(10 * MiB);
      expect(answer.sentBytes).toBeLessThan(10 * MiB + SOCKET_SLACK_BYTES);
    }
    // Whole bodies would be 4 × 47 MiB = 188 MiB; four bodies read up to the limit are 40 MiB.
    expect(grownMiB).toBeLessThan(100);
    expect(await db.submission.count({ where: { user: { email: { in: students } } } })).toBe(0);
  });

  it("believes a declared Content-Length over the lab's limit without waiting for the body", async () => {
    const upload = streamUpload(await tokenFor(await student("eve")), "echo", { totalBytes: 47 * MiB, declaredLength: 47 * MiB, holdAfterBytes: 0 });
    const answer = await Promise.race([upload.answer, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no answer within 10 s: the server waits for the body")), 10_000))]).finally(() => upload.abandon());
    expect(answer.status).toBe(413);
    expect(answer.body.error?.code).toBe("archive.too_large");
    expect(answer.sentBytes).toBe(0);
  });

  it("refuses before reading a body when the lab is not open or the student's submissions are used up", async () => {
    const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await db.lab.update({ where: { courseId_slug: { courseId: course.id, slug: "unique-ids" } }, data: { opensAt: new Date(Date.now() + 86_400_000) } });
    await db.lab.update({ where: { courseId_slug: { courseId: course.id, slug: "g-counter" } }, data: { submissionLimit: 1, submissionWindowSeconds: null } });
    const email = await student("fay");
    expect((await submit(email, "g-counter", archive)).status).toBe(201);
    const bearer = await tokenFor(email);
    for (const [labSlug, code] of [
      ["unique-ids", "lab.not_open"],
      ["g-counter", "submission.limit"],
    ] as const) {
      const answer = await streamUpload(bearer, labSlug, { totalBytes: 47 * MiB, pauseMs: 2 }).answer;
      expect(answer.status).toBe(422);
      expect(answer.body.error?.code).toBe(code);
      expect(answer.sentAll).toBe(false);
      expect(answer.sentBytes).toBeLessThan(SOCKET_SLACK_BYTES);
    }
  });

  it("caps uploads in progress per person and per web process, and frees a place when one ends", async () => {
    const [gil, hal, ivy] = await Promise.all(["gil", "hal", "ivy"].map(student));
    const hold = async (email: string) => streamUpload(await tokenFor(email), "echo", { totalBytes: 2 * MiB, holdAfterBytes: 64 * 1024 });
    const held: UploadHandle[] = [];
    try {
      for (let i = 0; i < UPLOADS_PER_USER; i++) held.push(await hold(gil!));
      // The server has begun reading both (it answers nothing until their bodies end).
      await new Promise((r) => setTimeout(r, 1500));
      const third = await submit(gil!, "echo", archive);
      expect(third.status).toBe(429);
      expect(third.headers.get("retry-after")).toBe("5");
      expect(third.body.error).toEqual({
        code: "uploads.too_many",
        message: `you already have ${UPLOADS_PER_USER} uploads in progress, the most at once; wait for one to finish and try again`,
      });
      // Someone else may still upload, up to the process's cap.
      for (let i = 0; i < UPLOADS_PER_PROCESS - UPLOADS_PER_USER; i++) held.push(await hold(hal!));
      await new Promise((r) => setTimeout(r, 1500));
      const busy = await submit(ivy!, "echo", archive);
      expect(busy.status).toBe(429);
      expect(busy.headers.get("retry-after")).toBe("5");
      expect(busy.body.error).toEqual({ code: "uploads.busy", message: "the server is receiving as many uploads as it takes at once; try again in a few seconds" });
      expect(await db.submission.count({ where: { user: { email: { in: [gil!, ivy!] } } } })).toBe(0);

      // One of Gil's ends (its zeros are no archive: refused for that, not for the cap) ...
      held[0]!.finish(64 * 1024);
      const ended = await held[0]!.answer;
      expect(ended.status).toBe(422);
      expect(ended.body.error?.code).toMatch(/^archive\./);
      // ... and one of Hal's is abandoned mid-body: both places are free again.
      held[UPLOADS_PER_USER]!.abandon();
      await vi.waitFor(async () => expect((await submit(gil!, "echo", archive)).status).toBe(201), { timeout: 10_000, interval: 250 });
      await vi.waitFor(async () => expect((await submit(ivy!, "echo", archive)).status).toBe(201), { timeout: 10_000, interval: 250 });
    } finally {
      for (const upload of held) upload.abandon();
    }
  });
});

describe("the web forms", () => {
  let dir: string;
  /** A plain tar exactly at the largest limit a lab may set, and one 512 bytes over. */
  let atLimit: Buffer;
  let overLimit: Buffer;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    const course = await db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
    await db.lab.update({ where: { courseId_slug: { courseId: course.id, slug: "broadcast" } }, data: { maxArchiveBytes: MAX_LAB_ARCHIVE_BYTES } });
    dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-upload-form-"));
    atLimit = await plainTar(MAX_LAB_ARCHIVE_BYTES - 1536);
    overLimit = await plainTar(MAX_LAB_ARCHIVE_BYTES - 1024);
    expect(atLimit.length).toBe(MAX_LAB_ARCHIVE_BYTES);
    await writeFile(file("at-limit.tar"), atLimit);
    await writeFile(file("over-limit.tar"), overLimit);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tooLargeMessage = () => `This file is ${overLimit.length.toLocaleString("en")} bytes; the limit is ${MAX_LAB_ARCHIVE_BYTES.toLocaleString("en")} bytes (50 MiB)`;

  it("submit an archive as large as the lab form allows and refuse a larger one, saying why", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
      await signInWithForm(page, "bob@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/broadcast`);
      await expect(page.getByText("Solution archive (.tar.gz or .tar, at most 50 MiB)").count()).resolves.toBe(1);
      const alert = page.locator("form.submit-form [role=alert]");

      // Larger than the limit: the form says so and does not send it.
      await page.setInputFiles("input[type=file]", file("over-limit.tar"));
      await expect(alert.textContent()).resolves.toBe(tooLargeMessage());
      await expect(page.getByRole("button", { name: "Submit for grading" }).isDisabled()).resolves.toBe(true);
      // Sent anyway (from the page's own origin, with its session), the server refuses it with the same limit.
      const forced = await page.evaluate(async ({ url, size }) => {
        const response = await fetch(url, { method: "POST", body: new Uint8Array(size), headers: { "content-type": "application/x-tar" } });
        return { status: response.status, body: (await response.json()) as unknown };
      }, { url: `/api/courses/${DEMO_COURSE_SLUG}/labs/broadcast/submissions`, size: MAX_LAB_ARCHIVE_BYTES + 1 });
      expect(forced).toEqual({ status: 413, body: { error: { code: "archive.too_large", message: "the archive is larger than this lab's limit of 50 MiB" } } });

      // Exactly at the limit: accepted, and the student lands on the new submission's page.
      await page.setInputFiles("input[type=file]", file("at-limit.tar"));
      await expect(alert.count()).resolves.toBe(0);
      await page.getByRole("button", { name: "Submit for grading" }).click();
      await page.waitForURL((url) => url.pathname.startsWith("/submissions/"), { timeout: 60_000 });
      const id = new URL(page.url()).pathname.split("/").pop()!;
      const stored = await db.submission.findUniqueOrThrow({ where: { id }, include: { user: true, lab: true } });
      expect({ email: stored.user.email, lab: stored.lab.slug, bytes: stored.archiveBytes }).toEqual({ email: "bob@demo.labgrade.test", lab: "broadcast", bytes: MAX_LAB_ARCHIVE_BYTES });

      // A refusal from the server is the form's message (here: the lab is not open yet).
      await db.lab.update({ where: { id: stored.labId }, data: { opensAt: new Date(Date.now() + 86_400_000) } });
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/broadcast`);
      await page.setInputFiles("input[type=file]", file("at-limit.tar"));
      await page.getByRole("button", { name: "Submit for grading" }).click();
      await expect(alert.textContent()).resolves.toMatch(/^This lab opens at /);
      expect(await db.submission.count({ where: { user: { email: "bob@demo.labgrade.test" } } })).toBe(1);
    } finally {
      await browser.close();
    }
  });

  it("take a reference solution as large as the lab allows on the suite page, and refuse a larger one", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
      await signInWithForm(page, "instructor@demo.labgrade.test", DEMO_PASSWORD);
      await page.waitForURL((url) => url.pathname === "/");
      await page.goto(`/courses/${DEMO_COURSE_SLUG}/labs/broadcast/suite`);
      const form = page.getByTestId("reference-upload");
      await form.getByLabel("Name", { exact: true }).fill("big");
      await form.getByLabel("Archive (.tar.gz or .tar)").setInputFiles(file("over-limit.tar"));
      await expect(form.getByRole("alert").textContent()).resolves.toBe(tooLargeMessage());
      await expect(form.getByRole("button", { name: "Upload reference solution" }).isDisabled()).resolves.toBe(true);
      await form.getByLabel("Archive (.tar.gz or .tar)").setInputFiles(file("at-limit.tar"));
      await form.getByRole("button", { name: "Upload reference solution" }).click();
      await form.getByRole("status").filter({ hasText: 'Reference solution "big" stored (must pass).' }).waitFor({ timeout: 60_000 });
      // The page's list shows it without a reload.
      await page.getByTestId("references").getByText("big").waitFor();
      const reference = await db.referenceSolution.findFirstOrThrow({ where: { name: "big", lab: { slug: "broadcast" } } });
      expect((await db.storedBlob.findUniqueOrThrow({ where: { key: reference.archiveKey }, select: { sizeBytes: true } })).sizeBytes).toBe(MAX_LAB_ARCHIVE_BYTES);
    } finally {
      await browser.close();
    }
  });

  it("refuses an upload through the form's route without a session or from another site", async () => {
    const url = `${server.url}/api/courses/${DEMO_COURSE_SLUG}/labs/echo/submissions`;
    const anonymous = await fetch(url, { method: "POST", body: new Uint8Array(archive) });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as ErrorBody).error?.code).toBe("auth.session");
    // Carol's browser, made to post by another site's page: her cookie goes along, the Origin gives it away.
    const cookie = await signInOverHttp(server.url, "carol@demo.labgrade.test", DEMO_PASSWORD);
    for (const origin of ["http://attacker.invalid", null]) {
      const forged = await fetch(url, { method: "POST", body: new Uint8Array(archive), headers: { cookie, ...(origin ? { origin } : {}) } });
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as ErrorBody).error?.code).toBe("auth.origin");
    }
    const own = await fetch(url, { method: "POST", body: new Uint8Array(archive), headers: { cookie, origin: server.url } });
    expect(own.status).toBe(201);
    expect(await db.submission.count({ where: { user: { email: "carol@demo.labgrade.test" } } })).toBe(1);
  });
});
