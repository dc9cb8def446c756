// The OpenAPI 3.1 document of /api/v1, generated from the schemas that build
// the responses (schemas.ts) with zod's own JSON Schema output. Served at
// /api/v1/openapi.json; tests/e2e/openapi.test.ts calls every documented
// route and checks each answer against it.
import { z } from "zod";
import { labSubmissionsQuery } from "../submissions/lab-submissions.js";
import {
  apiSchemas,
  coursesBody,
  createLabRequest,
  labCreatedBody,
  dryRunBody,
  errorBody,
  gradesBody,
  labSubmissionsBody,
  labsBody,
  progressEventBody,
  cancelledBody,
  regradeProgressBody,
  regradeRequest,
  regradeStartedBody,
  submissionBody,
  submissionCreatedBody,
  suiteSourceRequest,
  suiteVersionBody,
  suiteVersionsBody,
} from "./schemas.js";

const json = (schema: z.ZodType) => ({ "application/json": { schema: { $ref: `#/components/schemas/${apiSchemas.get(schema)!.id}` } } });
/** A route's error answers; every route may also answer 503 while the database does not. */
const errors = (...statuses: number[]) =>
  Object.fromEntries([...statuses, 503].map((status) => [String(status), { description: ERROR_MEANINGS[status] ?? "error", content: json(errorBody) }]));
const ERROR_MEANINGS: Record<number, string> = {
  400: "the request is malformed",
  401: "no valid token",
  403: "the token's scope or the user's role does not allow it",
  404: "not found, or not yours (the same answer)",
  413: "the archive is larger than the lab's limit (refused as soon as its declared length, or what was read, passes it)",
  422: "refused, with a code (archive, limit, deadline, suite)",
  503: "the database does not answer just now (`service.unavailable`); nothing was changed; see Retry-After",
  429: "too many calls with this token or with all of its owner's tokens (`rate.limited`), or too many uploads in progress (`uploads.too_many`, `uploads.busy`); see Retry-After",
};
const slug = (name: string, description: string) => ({ name, in: "path", required: true, schema: { type: "string" }, description });
/** A route's query parameters, from the zod object that validates them. */
const queryParameters = (schema: z.ZodObject) =>
  Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...json } = z.toJSONSchema(field as z.ZodType, { io: "input" }) as { description?: string; $schema?: string };
    delete json.$schema;
    return { name, in: "query", required: false, schema: json, description };
  });
const course = slug("course", "the course's short name");
const lab = slug("lab", "the lab's short name");
const version = slug("version", "the suite version's number (1, 2, …)");

export function openApiDocument(serverUrl?: string) {
  const { schemas } = z.toJSONSchema(apiSchemas, { io: "output", uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return {
    openapi: "3.1.0",
    info: { title: "labgrade API", version: "1", description: "Personal tokens from the account page: `Authorization: Bearer lgp_…`. Errors are `{error: {code, message}}`." },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ token: [] }],
    components: { securitySchemes: { token: { type: "http", scheme: "bearer" } }, schemas },
    paths: {
      "/api/v1/courses": {
        get: { operationId: "listCourses", summary: "My courses, with my role", responses: { "200": { description: "the courses", content: json(coursesBody) }, ...errors(401, 429) } },
      },
      "/api/v1/courses/{course}/labs": {
        get: {
          operationId: "listLabs",
          summary: "A course's labs I may see, with my best score",
          parameters: [course],
          responses: { "200": { description: "the labs", content: json(labsBody) }, ...errors(401, 404, 429) },
        },
        post: {
          operationId: "createLab",
          summary: "Instructors: make a lab, Maelstrom or native (a draft unless `published`; needs the submit scope)",
          parameters: [course],
          requestBody: { required: true, content: json(createLabRequest) },
          responses: { "201": { description: "the lab, made", content: json(labCreatedBody) }, ...errors(400, 401, 403, 404, 422, 429) },
        },
      },
      "/api/v1/courses/{course}/labs/{lab}/submissions": {
        post: {
          operationId: "submit",
          summary: "Submit an archive (needs a token with the submit scope)",
          parameters: [course, lab],
          requestBody: { required: true, content: { "application/gzip": { schema: { type: "string", format: "binary" } }, "application/x-tar": { schema: { type: "string", format: "binary" } } } },
          responses: { "201": { description: "accepted and queued", content: json(submissionCreatedBody) }, ...errors(401, 403, 404, 413, 422, 429) },
        },
        get: {
          operationId: "listLabSubmissions",
          summary: "Staff: the lab's submissions, newest first (dry runs left out), a page at a time",
          parameters: [course, lab, ...queryParameters(labSubmissionsQuery)],
          responses: { "200": { description: "a page of submissions", content: json(labSubmissionsBody) }, ...errors(400, 401, 403, 404, 429) },
        },
      },
      "/api/v1/submissions/{id}": {
        get: {
          operationId: "getSubmission",
          summary: "A submission's status and the results I may see",
          parameters: [slug("id", "the submission's id")],
          responses: { "200": { description: "the submission", content: json(submissionBody) }, ...errors(401, 404, 429) },
        },
      },
      "/api/v1/submissions/{id}/cancel": {
        post: {
          operationId: "cancelSubmission",
          summary: "Cancel a queued or running grading: my own submission, or as staff any of the course's (a staff regrade only by staff; needs the submit scope)",
          parameters: [slug("id", "the submission's id")],
          responses: { "202": { description: "the cancellation, asked", content: json(cancelledBody) }, ...errors(401, 403, 404, 422, 429) },
        },
      },
      "/api/v1/submissions/{id}/events": {
        get: {
          operationId: "streamProgress",
          summary:
            "The submission's progress as server-sent events (`event: progress`, `data:` a ProgressEvent) until its status is final; one person may hold a few open at once (429 `streams.too_many` past that)",
          parameters: [slug("id", "the submission's id")],
          responses: {
            "200": { description: "an event stream; each event's data is a ProgressEvent", content: { "text/event-stream": { schema: { $ref: `#/components/schemas/${apiSchemas.get(progressEventBody)!.id}` } } } },
            ...errors(401, 404, 429),
          },
        },
      },
      "/api/v1/submissions/{id}/artifacts/{artifactId}": {
        get: {
          operationId: "downloadArtifact",
          summary: "One artifact of a test run I may see: its history, results or plot data (JSON), or a node's log (text); ETag for revalidation",
          parameters: [slug("id", "the submission's id"), slug("artifactId", "the artifact's id, from the submission's results")],
          responses: {
            "200": { description: "the artifact's bytes", content: { "application/json": { schema: {} }, "text/plain": { schema: { type: "string" } } } },
            ...errors(401, 404, 429),
          },
        },
      },
      "/api/v1/courses/{course}/labs/{lab}/regrades": {
        post: {
          operationId: "startRegrade",
          summary: "Staff: grade again against the newest published suite version, in the regrade band after student work (needs the submit scope)",
          parameters: [course, lab],
          requestBody: { required: true, content: json(regradeRequest) },
          responses: { "202": { description: "the batch, queued", content: json(regradeStartedBody) }, ...errors(400, 401, 403, 404, 422, 429) },
        },
      },
      "/api/v1/regrades/{id}": {
        get: {
          operationId: "getRegrade",
          summary: "Staff: a regrade batch's progress",
          parameters: [slug("id", "the batch's id")],
          responses: { "200": { description: "the batch's jobs by state", content: json(regradeProgressBody) }, ...errors(401, 404, 429) },
        },
      },
      "/api/v1/courses/{course}/grades": {
        get: {
          operationId: "getGrades",
          summary: "Staff: each student's best score per lab after the late policy, and the total",
          parameters: [course],
          responses: { "200": { description: "the grade table", content: json(gradesBody) }, ...errors(401, 403, 404, 429) },
        },
      },
      "/api/v1/courses/{course}/grades.csv": {
        get: {
          operationId: "exportGrades",
          summary: "Staff: the grade table as CSV (email, name, a column per lab, total; empty where nothing was graded)",
          parameters: [course],
          responses: { "200": { description: "the CSV file", content: { "text/csv": { schema: { type: "string" } } } }, ...errors(401, 403, 404, 429) },
        },
      },
      "/api/v1/courses/{course}/labs/{lab}/suite-versions": {
        get: {
          operationId: "listSuiteVersions",
          summary: "Staff: the lab's test suite versions (newest first), reference solutions and recent dry runs",
          parameters: [course, lab],
          responses: { "200": { description: "versions, references, dry runs", content: json(suiteVersionsBody) }, ...errors(401, 403, 404, 429) },
        },
        post: {
          operationId: "saveSuiteVersion",
          summary: "Instructors: save a suite document as the lab's next version, a draft (the same text as the newest version saves nothing: 200)",
          parameters: [course, lab],
          requestBody: { required: true, content: { ...json(suiteSourceRequest), "application/yaml": { schema: { type: "string" } } } },
          responses: {
            "201": { description: "saved as a new draft version", content: json(suiteVersionBody) },
            "200": { description: "the same as the newest version, which is returned", content: json(suiteVersionBody) },
            ...errors(400, 401, 403, 404, 422, 429),
          },
        },
      },
      "/api/v1/courses/{course}/labs/{lab}/suite-versions/{version}/publish": {
        post: {
          operationId: "publishSuiteVersion",
          summary: "Instructors: publish a version; new submissions are graded against the newest published one",
          parameters: [course, lab, version],
          responses: { "200": { description: "the published version", content: json(suiteVersionBody) }, ...errors(401, 403, 404, 429) },
        },
      },
      "/api/v1/courses/{course}/labs/{lab}/suite-versions/{version}/dry-runs": {
        post: {
          operationId: "startDryRun",
          summary: "Instructors: grade every reference solution against a version (draft or published); see dryRuns of the versions",
          parameters: [course, lab, version],
          responses: { "202": { description: "queued", content: json(dryRunBody) }, ...errors(401, 403, 404, 422, 429) },
        },
      },
    },
  };
}
