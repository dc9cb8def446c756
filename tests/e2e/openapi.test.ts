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
  responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }>;
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
    const checked: string[] = [];
    for (const [template, methods] of order) {
      for (const [method, operation] of Object.entries(methods)) {
        const route = template.replace("{course}", DEMO_COURSE_SLUG).replace("{lab}", "echo").replace("{id}", submissionId);
        for (const auth of [`Bearer ${token}`, null]) {
          const answer = await fetch(`${server.url}${route}`, {
            method: method.toUpperCase(),
            headers: { ...(auth ? { authorization: auth } : {}), ...(operation.requestBody ? { "content-type": "application/gzip" } : {}) },
            body: operation.requestBody ? new Uint8Array(archive) : undefined,
          });
          const body = (await answer.json()) as { id?: string };
          const documented = operation.responses[String(answer.status)];
          expect(documented, `${method} ${template} answered ${answer.status}, which the document does not list`).toBeDefined();
          const ref = documented!.content?.["application/json"]?.schema.$ref;
          expect(ref, `${method} ${template} ${answer.status} has no JSON schema`).toBeDefined();
          const validate = ajv.getSchema(`openapi${ref}`)!;
          expect(validate(body), `${method} ${template} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
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
    ]);
  });
});
