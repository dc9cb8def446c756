// The OpenAPI document against the running server: every documented route
// is called (with a real course, lab, submission and token: a student's for
// the student routes, an instructor's for the staff routes; then a student's
// for the staff routes, another course's instructor's, and none) and each
// answer, success and error alike, must have a status the document lists and
// a body that validates against the documented JSON Schema (Ajv, draft 2020-12).
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putBlob } from "../../lib/blobs.js";
import type { Db } from "../../lib/db.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import type { WebServer } from "../support/web-server.js";
import { createWebStack, type WebStack } from "../support/web-stack.js";
import { createCourse } from "../support/factories.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let stack: WebStack;
let db: Db;
let server: WebServer;
let token: string;
let staffToken: string;
let outsiderToken: string;

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  requestBody?: unknown;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

beforeAll(async () => {
  // The instructor of another course: none of the demo course is hers.
  stack = await createWebStack("openapi", { seed: (db) => createCourse(db, { slug: "other-course", members: { INSTRUCTOR: { email: "olga@other.labgrade.test", name: "Olga Other" } } }).then(() => undefined) });
  ({ db, server } = stack);
  token = await stack.token("alice@demo.labgrade.test", "SUBMIT", 1);
  staffToken = await stack.token("instructor@demo.labgrade.test", "SUBMIT", 1);
  outsiderToken = await stack.token("olga@other.labgrade.test", "SUBMIT", 1);
});

afterAll(async () => {
  await stack?.close();
});

/** The data of an event stream's first event (the stream stays open until the grading ends: it is cancelled here). */
async function firstEvent(answer: Response): Promise<unknown> {
  const reader = answer.body!.getReader();
  let text = "";
  while (!text.includes("\n\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  await reader.cancel();
  const data = text.split("\n").find((line) => line.startsWith("data: "));
  expect(text.startsWith("event: progress\n"), text).toBe(true);
  return JSON.parse(data!.slice("data: ".length));
}

const STORED_RESULTS = { format: "labgrade-result/1", verdict: "PASS" };

/** A graded attempt of the submission with one run whose results.json is stored: the artifact's id. */
async function storeResultsArtifact(submissionId: string): Promise<string> {
  const job = await db.gradingJob.findFirstOrThrow({ where: { submissionId } });
  const attempt = await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "openapi-test", outcome: "GRADED", finishedAt: new Date() } });
  const blob = await putBlob(db, `attempts/${attempt.id}/echo/0/results.json`, Buffer.from(JSON.stringify(STORED_RESULTS)));
  const result = await db.testResult.create({
    data: {
      attemptId: attempt.id,
      testName: "echo",
      repetition: 0,
      seed: "1",
      verdict: "PASS",
      reason: "ok",
      durationMs: 1,
      artifacts: { create: { attemptId: attempt.id, kind: "RESULTS", name: "results.json", storageKey: blob.key, sizeBytes: blob.sizeBytes, sha256: blob.sha256 } },
    },
    include: { artifacts: true },
  });
  return result.artifacts[0]!.id;
}

/** Operations called with the instructor's token; the rest with the student's. */
const STAFF = new Set(["createLab", "listLabSubmissions", "startRegrade", "getRegrade", "getGrades", "exportGrades", "listSuiteVersions", "saveSuiteVersion", "publishSuiteVersion", "startDryRun"]);
/** These make what later routes describe: the submission, the suite version, the regrade batch. */
const FIRST = ["submit", "saveSuiteVersion", "startRegrade"];

describe("the OpenAPI document", () => {
  it("describes every route, and every answer of the running server matches it", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Document;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat("date-time", true).addFormat("binary", true);
    ajv.addSchema({ $id: "openapi", components: doc.components });
    const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));
    const echo = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } });
    const published = await db.suiteVersion.findFirstOrThrow({ where: { labId: echo.id }, orderBy: { version: "desc" } });
    const bodies: Record<string, { type: string; bytes: BodyInit }> = {
      submit: { type: "application/gzip", bytes: new Uint8Array(archive) },
      startRegrade: { type: "application/json", bytes: JSON.stringify({ scope: "all" }) },
      createLab: { type: "application/json", bytes: JSON.stringify({ slug: "made-by-api", title: "Made through the API", workload: "echo", protocol: "NATIVE", toolchain: "python" }) },
      saveSuiteVersion: { type: "application/json", bytes: JSON.stringify({ source: `${published.source}\n# edited through the API\n` }) },
    };

    const operations = Object.entries(doc.paths)
      .flatMap(([template, methods]) => Object.entries(methods).map(([method, operation]) => ({ template, method, operation })))
      .sort((a, b) => rank(a.operation.operationId) - rank(b.operation.operationId));
    const made = { submission: "", version: "", regrade: "", artifact: "" };
    const checked: string[] = [];
    for (const { template, method, operation } of operations) {
      // A stored artifact for the artifact route: one graded run's results of that submission.
      if (template.includes("{artifactId}") && !made.artifact) made.artifact = await storeResultsArtifact(made.submission);
      const route = template
        .replace("{course}", DEMO_COURSE_SLUG)
        .replace("{lab}", "echo")
        .replace("{version}", made.version)
        .replace("{id}", template.startsWith("/api/v1/regrades/") ? made.regrade : made.submission)
        .replace("{artifactId}", made.artifact);
      const body = bodies[operation.operationId];
      expect(Boolean(body), `${operation.operationId}: a request body for it in this test`).toBe(Boolean(operation.requestBody));
      const staff = STAFF.has(operation.operationId);
      const callers = [staff ? staffToken : token, ...(staff ? [token] : []), outsiderToken, null];
      const statuses: number[] = [];
      for (const caller of callers) {
        const auth = caller && `Bearer ${caller}`;
        const answer = await fetch(`${server.url}${route}`, {
          method: method.toUpperCase(),
          headers: { ...(auth ? { authorization: auth } : {}), ...(body ? { "content-type": body.type } : {}) },
          body: body?.bytes,
        });
        const type = (answer.headers.get("content-type") ?? "").split(";")[0]!;
        const documented = operation.responses[String(answer.status)];
        expect(documented, `${method} ${template} answered ${answer.status}, which the document does not list`).toBeDefined();
        const schema = documented!.content?.[type]?.schema;
        expect(schema, `${method} ${template} ${answer.status} answered ${type}, which the document does not list`).toBeDefined();
        const parsed = (type === "application/json" ? await answer.json() : type === "text/event-stream" ? await firstEvent(answer) : await answer.text()) as {
          id?: string;
          version?: number;
        };
        if (schema!.$ref) {
          const validate = ajv.getSchema(`openapi${schema!.$ref}`)!;
          expect(validate(parsed), `${method} ${template} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        } else if (type === "text/csv") {
          // The grade table: a header, then a row per student of the demo course.
          expect(String(parsed).split("\n")[0]).toMatch(/^email,name,.*,total$/);
          expect(String(parsed)).toContain("alice@demo.labgrade.test");
        } else {
          // A download: the stored bytes themselves.
          expect(parsed, `${method} ${template} ${answer.status}`).toEqual(STORED_RESULTS);
        }
        if (operation.operationId === "submit" && answer.status === 201) made.submission = parsed.id!;
        if (operation.operationId === "saveSuiteVersion" && answer.status === 201) made.version = String(parsed.version);
        if (operation.operationId === "startRegrade" && answer.status === 202) made.regrade = parsed.id!;
        statuses.push(answer.status);
      }
      checked.push(`${operation.operationId}: ${statuses.join(" ")}`);
    }
    // The answers to the right caller, (staff routes) a student of the course,
    // another course's instructor, and no token.
    expect(checked).toEqual([
      "submit: 201 404 401",
      "saveSuiteVersion: 201 403 404 401",
      "startRegrade: 202 403 404 401",
      "listCourses: 200 200 401",
      "listLabs: 200 404 401",
      "createLab: 201 403 404 401",
      "listLabSubmissions: 200 403 404 401",
      "getSubmission: 200 404 401",
      "cancelSubmission: 202 404 401",
      "streamProgress: 200 404 401",
      "downloadArtifact: 200 404 401",
      "getRegrade: 200 404 404 401",
      "getGrades: 200 403 404 401",
      "exportGrades: 200 403 404 401",
      "listSuiteVersions: 200 403 404 401",
      "publishSuiteVersion: 200 403 404 401",
      "startDryRun: 202 403 404 401",
    ]);
  });
});

function rank(operationId: string): number {
  const i = FIRST.indexOf(operationId);
  return i < 0 ? FIRST.length : i;
}
