// The REST API's contract: every /api/v1 response is built through these
// schemas (a handler that drifts from them fails loudly), and the OpenAPI
// document (openapi.ts) is generated from the very same objects.
import { z } from "zod";
import { CourseRole, SubmissionStatus } from "../generated/prisma/enums.js";
import { TOOLCHAINS, type ToolchainName } from "../toolchains.js";

/** Every named schema of the API: the OpenAPI document's components. */
export const apiSchemas = z.registry<{ id: string }>();

const when = z.iso.datetime().describe("ISO 8601, UTC");
const score = z.number().nullable();

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe("stable, for programs (e.g. submission.limit)"),
      message: z.string().describe("for people"),
      problems: z
        .array(z.object({ line: z.number().int().nullable(), path: z.string(), message: z.string() }))
        .optional()
        .describe("suite.invalid: each problem of the document, with its line"),
    }),
  })
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
        bestScore: z
          .object({ finalScore: score, maxScore: score, withheld: z.boolean().describe("the lab's hidden results are withheld for now, so the scores are null") })
          .nullable()
          .describe("null: nothing graded yet"),
      }),
    ),
  })
  .register(apiSchemas, { id: "Labs" });

export const submissionCreatedBody = z
  .object({ id: z.string(), status: z.string(), url: z.string().describe("the submission's page, relative to the server") })
  .register(apiSchemas, { id: "SubmissionCreated" });

export const cancelledBody = z
  .object({
    id: z.string(),
    status: z.enum(SubmissionStatus).describe("CANCELLED at once for a grading that had not started; a running one stays RUNNING until its runner has stopped it (within seconds)"),
    statusDetail: z.string().nullable(),
  })
  .register(apiSchemas, { id: "CancelRequested" });

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
            kind: z.enum(["HISTORY", "RESULTS", "PLOT_DATA", "NODE_LOG", "MESSAGE_JOURNAL"]).describe("history.json, results.json, plot.json, a node's log or messages.jsonl (the message journal)"),
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

// Instructors: a new lab. Every field but slug, title and workload may be left out (NEW_LAB_FIELDS);
// a key the API does not know is refused.
const isoOrNull = when.nullable().optional();
export const createLabRequest = z
  .strictObject({
    slug: z.string().describe("the lab's short name, in its address: lowercase letters, digits and dashes (e.g. raft-2a); fixed once made"),
    title: z.string(),
    workload: z.string().describe("the workload the harness drives (echo, unique-ids, broadcast, …)"),
    protocol: z.enum(["MAELSTROM", "NATIVE"]).optional().describe("MAELSTROM (default): envelopes on stdin/stdout through our agent; NATIVE: the program brings its own transport (LABGRADE_PORT 7000 for peers, LABGRADE_PEERS, clients on LABGRADE_CLIENT_PORT 7001, one JSON envelope per line)"),
    description: z.string().optional().describe("Markdown shown to students"),
    toolchain: z.enum(Object.keys(TOOLCHAINS) as [ToolchainName, ...ToolchainName[]]).optional().describe("default go"),
    buildCommand: z.string().optional().describe("empty: the toolchain's"),
    runCommand: z.string().optional().describe("empty: the toolchain's"),
    opensAt: isoOrNull,
    dueAt: isoOrNull,
    latePolicy: z.enum(["ACCEPT", "PENALTY_PER_DAY", "REFUSE"]).optional(),
    latePenaltyPerDay: z.number().optional().describe("fraction in [0, 1] per started day, for PENALTY_PER_DAY"),
    submissionLimit: z.number().nullable().optional().describe("per student and window; null: no limit"),
    submissionWindowHours: z.number().nullable().optional().describe("null: the limit is for the whole lab"),
    maxArchiveMegabytes: z.number().optional(),
    published: z.boolean().optional().describe("default false: a draft only staff see"),
    leaderboardVisible: z.boolean().optional(),
    leaderboardTieBreakers: z.array(z.string()).optional(),
    leaderboardFreezeAtDue: z.boolean().optional(),
    resultsReleasedAt: isoOrNull,
  })
  .register(apiSchemas, { id: "CreateLabRequest" });

export const labCreatedBody = z
  .object({
    slug: z.string(),
    title: z.string(),
    protocol: z.enum(["MAELSTROM", "NATIVE"]),
    published: z.boolean(),
    url: z.string().describe("the lab's page, relative to the server; its suite is the next step"),
  })
  .register(apiSchemas, { id: "LabCreated" });

// Staff: a lab's submissions, regrades, grades and suite versions.

const status = z.enum(SubmissionStatus);

export const labSubmissionsBody = z
  .object({
    submissions: z.array(
      z.object({
        id: z.string(),
        student: z.object({ email: z.string(), name: z.string().nullable() }),
        status,
        statusDetail: z.string().nullable(),
        score,
        maxScore: score,
        finalScore: score,
        late: z.boolean(),
        suiteVersion: z.number().int(),
        createdAt: when,
        finishedAt: when.nullable(),
        url: z.string().describe("GET it with the token, relative to the server"),
      }),
    ),
    next: z.string().nullable().describe("pass as `after` for the next page; null on the last"),
  })
  .register(apiSchemas, { id: "LabSubmissions" });

export const regradeRequest = z
  .discriminatedUnion("scope", [
    z.object({ scope: z.literal("one"), submission: z.string().min(1).max(64).describe("the submission's id") }),
    z.object({ scope: z.literal("latest-per-student") }),
    z.object({ scope: z.literal("all") }),
  ])
  .describe("what to grade again against the lab's newest published suite version")
  .register(apiSchemas, { id: "RegradeRequest" });

export const regradeStartedBody = z
  .object({
    id: z.string().describe("the batch"),
    suiteVersion: z.number().int().describe("the published version it grades against"),
    total: z.number().int().describe("submissions queued for the regrade"),
    skipped: z.number().int().describe("left alone: still waiting or being graded"),
    url: z.string().describe("the batch's progress, relative to the server"),
  })
  .register(apiSchemas, { id: "RegradeStarted" });

export const regradeProgressBody = z
  .object({
    id: z.string(),
    scope: z.string(),
    total: z.number().int(),
    queued: z.number().int(),
    running: z.number().int(),
    succeeded: z.number().int(),
    failed: z.number().int(),
    cancelled: z.number().int(),
    done: z.number().min(0).max(1).describe("share of the batch over (succeeded, failed or cancelled)"),
  })
  .register(apiSchemas, { id: "RegradeProgress" });

export const gradesBody = z
  .object({
    course: z.string(),
    labs: z.array(z.object({ slug: z.string(), title: z.string() })),
    students: z.array(
      z.object({
        email: z.string(),
        name: z.string().nullable(),
        scores: z.array(z.number().nullable()).describe("per lab, in the order of `labs`: the best score after the late policy; null without a graded submission"),
        total: z.number(),
      }),
    ),
  })
  .register(apiSchemas, { id: "Grades" });

const suiteVersion = z.object({
  version: z.number().int(),
  publishedAt: when.nullable().describe("null: a draft"),
  createdAt: when,
  sourceHash: z.string(),
  source: z.string().describe("the YAML document"),
});

export const suiteVersionBody = suiteVersion.register(apiSchemas, { id: "SuiteVersion" });

export const suiteVersionsBody = z
  .object({
    versions: z.array(suiteVersion).describe("newest first"),
    references: z.array(z.object({ name: z.string(), expectPass: z.boolean() })),
    dryRuns: z
      .array(
        z.object({
          submission: z.string(),
          version: z.number().int(),
          reference: z.string(),
          expectPass: z.boolean(),
          status,
          score,
          maxScore: score,
          asExpected: z.boolean().nullable().describe("null while grading"),
          createdAt: when,
        }),
      )
      .describe("the newest 30, newest first"),
  })
  .register(apiSchemas, { id: "SuiteVersions" });

export const suiteSourceRequest = z
  .object({ source: z.string().min(1, "source: the suite's YAML document").max(200_000, "source: at most 200,000 characters") })
  .register(apiSchemas, { id: "SuiteSource" });

export const dryRunBody = z
  .object({ version: z.number().int(), references: z.number().int().describe("reference solutions queued for grading") })
  .register(apiSchemas, { id: "DryRunStarted" });

/** Dates as the API writes them. */
export const iso = (date: Date | null) => (date === null ? null : date.toISOString());

/** A suite version as the API writes it. */
export const wireSuiteVersion = (v: { version: number; publishedAt: Date | null; createdAt: Date; sourceHash: string; source: string }): z.infer<typeof suiteVersionBody> => ({
  version: v.version,
  publishedAt: iso(v.publishedAt),
  createdAt: v.createdAt.toISOString(),
  sourceHash: v.sourceHash,
  source: v.source,
});
