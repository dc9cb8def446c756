// The REST API's contract: every /api/v1 response is built through these
// schemas (a handler that drifts from them fails loudly), and the OpenAPI
// document (openapi.ts) is generated from the very same objects.
import { z } from "zod";
import { CourseRole, SubmissionStatus } from "../generated/prisma/enums.js";

/** Every named schema of the API: the OpenAPI document's components. */
export const apiSchemas = z.registry<{ id: string }>();

const when = z.iso.datetime().describe("ISO 8601, UTC");
const score = z.number().nullable();

export const errorBody = z
  .object({ error: z.object({ code: z.string().describe("stable, for programs (e.g. submission.limit)"), message: z.string().describe("for people") }) })
  .register(apiSchemas, { id: "Error" });

export const coursesBody = z
  .object({ courses: z.array(z.object({ slug: z.string(), title: z.string(), term: z.string().nullable(), role: z.enum(CourseRole) })) })
  .register(apiSchemas, { id: "Courses" });

export const labsBody = z
  .object({
    labs: z.array(
      z.object({
        slug: z.string(),
        title: z.string(),
        opensAt: when.nullable(),
        dueAt: when.nullable(),
        published: z.boolean(),
        maxArchiveBytes: z.number().int(),
        bestScore: z.object({ finalScore: z.number(), maxScore: score }).nullable(),
      }),
    ),
  })
  .register(apiSchemas, { id: "Labs" });

export const submissionCreatedBody = z
  .object({ id: z.string(), status: z.string(), url: z.string().describe("the submission's page, relative to the server") })
  .register(apiSchemas, { id: "SubmissionCreated" });

export const submissionBody = z
  .object({
    id: z.string(),
    course: z.string(),
    lab: z.string(),
    status: z.enum(SubmissionStatus),
    statusDetail: z.string().nullable(),
    score,
    maxScore: score,
    finalScore: score,
    late: z.boolean(),
    suiteVersion: z.number().int(),
    createdAt: when,
    finishedAt: when.nullable(),
    queue: z.object({ position: z.number().int().describe("1: next"), capacity: z.number().int().describe("runner slots"), estimatedStartAt: when.nullable() }).nullable(),
    results: z.array(
      z.object({
        id: z.string(),
        test: z.string(),
        repetition: z.number().int(),
        verdict: z.string(),
        reason: z.string(),
        points: z.number(),
        maxPoints: z.number(),
        seed: z.string(),
        durationMs: z.number().int(),
        report: z.string().describe("the run's report page, relative to the server"),
        artifacts: z.array(
          z.object({
            id: z.string(),
            kind: z.enum(["HISTORY", "RESULTS", "PLOT_DATA", "NODE_LOG"]).describe("history.json, results.json, plot.json or a node's log"),
            name: z.string(),
            sizeBytes: z.number().int(),
            truncated: z.boolean().describe("cut at the size limit while the test ran"),
            url: z.string().describe("GET it with the token, relative to the server"),
          }),
        ),
      }),
    ),
    passRates: z.array(z.object({ testName: z.string(), runs: z.number().int(), passes: z.number().int(), passRate: z.number() })),
    withheldResults: z.number().int().describe("results of hidden tests: counted, not shown"),
  })
  .register(apiSchemas, { id: "Submission" });

export const progressEventBody = z
  .object({
    status: z.enum(SubmissionStatus),
    statusDetail: z.string().nullable(),
    score,
    maxScore: score,
    finalScore: score,
    runsFinished: z.number().int().describe("test runs recorded so far, hidden ones included (without their verdicts)"),
    results: z.array(z.object({ test: z.string(), repetition: z.number().int(), verdict: z.string() })).describe("the runs I may see, as they finish"),
  })
  .describe("the data of each `progress` event of the stream: the submission as it is now")
  .register(apiSchemas, { id: "ProgressEvent" });

/** Dates as the API writes them. */
export const iso = (date: Date | null) => (date === null ? null : date.toISOString());
