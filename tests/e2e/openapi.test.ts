// The OpenAPI document against the running server: every documented route
// is called (with a real course, lab, submission and token) and each answer,
// success and error alike, must have a status the document lists and a body
// that validates against the documented JSON Schema (Ajv, draft 2020-12).
import { randomBytes } from "node:crypto";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api/tokens.js";
import { putBlob } from "../../lib/blobs.js";
import { createDb, type Db } from "../../lib/db.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { createGradingQueue } from "../../lib/queue.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { REDIS_URL } from "../support/grading-stack.js";
import { startWebServer, type WebServer } from "../support/web-server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
let database: ScratchDatabase;
let db: Db;
let queue: Queue;
let server: WebServer;
let token: string;
const prefix = `test-openapi-${randomBytes(4).toString("hex")}`;

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  requestBody?: unknown;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

beforeAll(async () => {
  database = await createMigratedDatabase("openapi");
  db = createDb(database.url);
  await seedDemoCourse(db);
  queue = createGradingQueue({ redisUrl: REDIS_URL, prefix });
  const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
  token = (await createApiToken(db, { userId: alice.id, isPlatformAdmin: false }, { name: "openapi", scope: "SUBMIT", expiresInDays: 1 })).token;
  server = await startWebServer({ env: { DATABASE_URL: database.url, REDIS_URL, LABGRADE_QUEUE_PREFIX: prefix, AUTH_SECRET: randomBytes(32).toString("hex") } });
});

afterAll(async () => {
  await server?.stop();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await db?.$disconnect();
  await database?.drop();
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

describe("the OpenAPI document", () => {
  it("describes every route, and every answer of the running server matches it", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Document;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addFormat("date-time", true).addFormat("binary", true);
    ajv.addSchema({ $id: "openapi", components: doc.components });
    const archive = await packReferenceSolution(path.join(ROOT, "lib/labs/echo/reference/correct"));

    // Submit first, so the submission route has something real to describe.
    const order = Object.entries(doc.paths).sort(([a], [b]) => Number(b.endsWith("/submissions")) - Number(a.endsWith("/submissions")));
    let submissionId = "";
    let artifactId = "";
    const checked: string[] = [];
    for (const [template, methods] of order) {
      // A stored artifact for the artifact route: one graded run's results of that submission.
      if (template.includes("{artifactId}") && !artifactId) artifactId = await storeResultsArtifact(submissionId);
      for (const [method, operation] of Object.entries(methods)) {
        const route = template.replace("{course}", DEMO_COURSE_SLUG).replace("{lab}", "echo").replace("{id}", submissionId).replace("{artifactId}", artifactId);
        for (const auth of [`Bearer ${token}`, null]) {
          const answer = await fetch(`${server.url}${route}`, {
            method: method.toUpperCase(),
            headers: { ...(auth ? { authorization: auth } : {}), ...(operation.requestBody ? { "content-type": "application/gzip" } : {}) },
            body: operation.requestBody ? new Uint8Array(archive) : undefined,
          });
          const type = (answer.headers.get("content-type") ?? "").split(";")[0]!;
          const documented = operation.responses[String(answer.status)];
          expect(documented, `${method} ${template} answered ${answer.status}, which the document does not list`).toBeDefined();
          const schema = documented!.content?.[type]?.schema;
          expect(schema, `${method} ${template} ${answer.status} answered ${type}, which the document does not list`).toBeDefined();
          const body = (type === "application/json" ? await answer.json() : type === "text/event-stream" ? await firstEvent(answer) : await answer.text()) as { id?: string };
          if (schema!.$ref) {
            const validate = ajv.getSchema(`openapi${schema!.$ref}`)!;
            expect(validate(body), `${method} ${template} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
          } else {
            // A download: the stored bytes themselves.
            expect(body, `${method} ${template} ${answer.status}`).toEqual(STORED_RESULTS);
          }
          if (auth && answer.status === 201 && body.id) submissionId = body.id;
          checked.push(`${method} ${template} ${answer.status}`);
        }
      }
    }
    expect(checked).toEqual([
      "post /api/v1/courses/{course}/labs/{lab}/submissions 201",
      "post /api/v1/courses/{course}/labs/{lab}/submissions 401",
      "get /api/v1/courses 200",
      "get /api/v1/courses 401",
      "get /api/v1/courses/{course}/labs 200",
      "get /api/v1/courses/{course}/labs 401",
      "get /api/v1/submissions/{id} 200",
      "get /api/v1/submissions/{id} 401",
      "get /api/v1/submissions/{id}/events 200",
      "get /api/v1/submissions/{id}/events 401",
      "get /api/v1/submissions/{id}/artifacts/{artifactId} 200",
      "get /api/v1/submissions/{id}/artifacts/{artifactId} 401",
    ]);
  });
});
