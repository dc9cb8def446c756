// Staff create and edit labs. The form's fields are checked here (the web
// form and, later, the API share this schema), every change is in the audit
// log, and a lab's slug is fixed once created: it is in every link students
// have. Owners and instructors only; TAs grade, they do not edit.
import { z } from "zod";
import { getCourseForEditorOrThrow, getLabForEditorOrThrow, type Actor } from "../courses/access.js";
import { isUniqueViolation, type Db } from "../db.js";
import { StudentError } from "../errors.js";
import type { Lab } from "../generated/prisma/client.js";
import { isTieBreaker, TIE_BREAKERS, type TieBreaker } from "../leaderboards.js";
import { WORKLOAD_NAMES } from "../workloads/index.js";
import { MAX_LAB_ARCHIVE_BYTES } from "./archive-size.js";
import { readableUtc } from "../readable-time.js";
import { TOOLCHAINS, toolchainOf, type ToolchainName } from "../toolchains.js";

export { TOOLCHAINS, toolchainOf, type ToolchainName };

const MB = 1024 * 1024;
const command = (what: string) =>
  z
    .string()
    .trim()
    .max(500, `Keep the ${what} under 500 characters`)
    .refine((value) => !/[\r\n\0]/.test(value), `The ${what} must be one line`);
const optionalDate = z.date().nullable();

export const labFieldsSchema = z
  .object({
    title: z.string().trim().min(1, "Give the lab a title").max(200, "Keep the title under 200 characters"),
    description: z.string().max(100_000, "Keep the description under 100,000 characters"),
    workload: z.enum(WORKLOAD_NAMES as [string, ...string[]], { message: `Choose a workload (${WORKLOAD_NAMES.join(", ")})` }),
    toolchain: z.enum(Object.keys(TOOLCHAINS) as [ToolchainName, ...ToolchainName[]], { message: "Choose a toolchain" }),
    /** MAELSTROM: our agent speaks Maelstrom's protocol to the program on stdin/stdout. NATIVE: the program brings its own transport (NATIVE_PROGRAM_TOLD). */
    protocol: z.enum(["MAELSTROM", "NATIVE"], { message: "Choose a protocol: MAELSTROM or NATIVE" }),
    /** Empty: the toolchain's default. */
    buildCommand: command("build command"),
    runCommand: command("run command"),
    opensAt: optionalDate,
    dueAt: optionalDate,
    latePolicy: z.enum(["ACCEPT", "PENALTY_PER_DAY", "REFUSE"], { message: "Choose a late policy" }),
    latePenaltyPerDay: z.number().min(0, "The late penalty is between 0 and 100 %").max(1, "The late penalty is between 0 and 100 %"),
    submissionLimit: z.number().int("The submission limit is a whole number").min(1, "Allow at least one submission, or leave the limit empty").max(10_000).nullable(),
    submissionWindowHours: z.number().positive("The limit's window is a positive number of hours").max(24 * 365).nullable(),
    maxArchiveMegabytes: z
      .number()
      .positive("The archive size limit must be positive")
      .max(MAX_LAB_ARCHIVE_BYTES / MB, `Archives are at most ${MAX_LAB_ARCHIVE_BYTES / MB} MB`),
    published: z.boolean(),
    leaderboardVisible: z.boolean(),
    /** Efficiency figures that break score ties, in order. */
    leaderboardTieBreakers: z
      .array(z.enum(Object.keys(TIE_BREAKERS) as [TieBreaker, ...TieBreaker[]], { message: `A tie-breaker is one of ${Object.keys(TIE_BREAKERS).join(", ")}` }))
      .max(3)
      .refine((list) => new Set(list).size === list.length, "Choose each tie-breaker once"),
    /** Submissions after the due date do not count on the leaderboard. */
    leaderboardFreezeAtDue: z.boolean(),
    /** From then on students see every test's full report (hidden and after-due tests too); null: after-due tests at the due date, hidden ones never. */
    resultsReleasedAt: optionalDate,
  })
  .superRefine((lab, ctx) => {
    if (lab.opensAt && lab.dueAt && lab.dueAt <= lab.opensAt)
      ctx.addIssue({ code: "custom", path: ["dueAt"], message: `The due date (${readableUtc(lab.dueAt)}) must be after the opening date (${readableUtc(lab.opensAt)})` });
    if (lab.leaderboardFreezeAtDue && !lab.dueAt) ctx.addIssue({ code: "custom", path: ["leaderboardFreezeAtDue"], message: "Freezing the leaderboard at the due date needs a due date" });
    if (lab.submissionWindowHours !== null && lab.submissionLimit === null)
      ctx.addIssue({ code: "custom", path: ["submissionWindowHours"], message: "A window needs a submission limit" });
  });
export type LabFields = z.infer<typeof labFieldsSchema>;

/**
 * What a native-mode program is told and must do (sandbox/programs/agent/agent.ts
 * and sandbox/cluster/nodes.ts set it; the lab form shows it to staff).
 */
export const NATIVE_PROGRAM_TOLD = {
  env: [
    { name: "LABGRADE_NODE_ID", meaning: "this node's id (n0, n1, …)" },
    { name: "LABGRADE_NODE_IDS", meaning: "every node's id, comma-separated" },
    { name: "LABGRADE_PORT", meaning: "the port to serve peers on (7000)" },
    { name: "LABGRADE_PEERS", meaning: "the other nodes as id=host:port, comma-separated (n1=n1:7000,…)" },
    { name: "LABGRADE_CLIENT_PORT", meaning: "the TCP port clients connect to (7001)" },
  ],
  clients: "Clients connect over TCP to the client port and send one JSON envelope per line ({src, dest, body}) with Maelstrom's client bodies; the program answers each the same way, with in_reply_to.",
} as const;

/** A new lab's fields before staff change them (the new-lab form's and the API's defaults). */
export const NEW_LAB_FIELDS: Omit<LabFields, "title" | "workload"> = {
  description: "",
  toolchain: "go",
  protocol: "MAELSTROM",
  buildCommand: "",
  runCommand: "",
  opensAt: null,
  dueAt: null,
  latePolicy: "ACCEPT",
  latePenaltyPerDay: 0,
  submissionLimit: 20,
  submissionWindowHours: 24,
  maxArchiveMegabytes: 10,
  published: false,
  leaderboardVisible: true,
  leaderboardTieBreakers: ["msgsPerOp", "p50LatencyMs"],
  leaderboardFreezeAtDue: false,
  resultsReleasedAt: null,
};

export const labSlugSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "The lab's short name is lowercase letters, digits and dashes (e.g. raft-2a), at most 63");

function columns(fields: LabFields) {
  const toolchain = TOOLCHAINS[fields.toolchain];
  return {
    title: fields.title,
    description: fields.description,
    workload: fields.workload,
    protocol: fields.protocol,
    buildImage: toolchain.buildImage,
    runImage: toolchain.runImage,
    buildCommand: fields.buildCommand || toolchain.buildCommand,
    runCommand: fields.runCommand || toolchain.runCommand,
    opensAt: fields.opensAt,
    dueAt: fields.dueAt,
    latePolicy: fields.latePolicy,
    latePenaltyPerDay: fields.latePolicy === "PENALTY_PER_DAY" ? fields.latePenaltyPerDay : 0,
    submissionLimit: fields.submissionLimit,
    submissionWindowSeconds: fields.submissionWindowHours === null ? null : Math.round(fields.submissionWindowHours * 3600),
    maxArchiveBytes: Math.round(fields.maxArchiveMegabytes * MB),
    published: fields.published,
    leaderboardVisible: fields.leaderboardVisible,
    leaderboardTieBreakers: fields.leaderboardTieBreakers,
    leaderboardFrozenAt: fields.leaderboardFreezeAtDue ? fields.dueAt : null,
    resultsReleasedAt: fields.resultsReleasedAt,
  };
}

/** The form's fields for an existing lab (the inverse of what createLab/updateLab store). */
export function labFieldsOf(lab: { [K in keyof ReturnType<typeof columns>]: Lab[K] }): LabFields {
  const toolchain = toolchainOf(lab) ?? "go";
  return {
    title: lab.title,
    description: lab.description,
    workload: lab.workload,
    toolchain,
    protocol: lab.protocol,
    buildCommand: lab.buildCommand === TOOLCHAINS[toolchain].buildCommand ? "" : lab.buildCommand,
    runCommand: lab.runCommand === TOOLCHAINS[toolchain].runCommand ? "" : lab.runCommand,
    opensAt: lab.opensAt,
    dueAt: lab.dueAt,
    latePolicy: lab.latePolicy,
    latePenaltyPerDay: lab.latePenaltyPerDay,
    submissionLimit: lab.submissionLimit,
    submissionWindowHours: lab.submissionWindowSeconds === null ? null : lab.submissionWindowSeconds / 3600,
    maxArchiveMegabytes: lab.maxArchiveBytes / MB,
    published: lab.published,
    leaderboardVisible: lab.leaderboardVisible,
    leaderboardTieBreakers: lab.leaderboardTieBreakers.filter(isTieBreaker),
    leaderboardFreezeAtDue: lab.leaderboardFrozenAt !== null,
    resultsReleasedAt: lab.resultsReleasedAt,
  };
}

export async function createLab(db: Db, actor: Actor, input: { courseSlug: string; slug: string; fields: LabFields }) {
  const { course } = await getCourseForEditorOrThrow(db, actor, input.courseSlug, "create labs");
  const slug = labSlugSchema.parse(input.slug);
  const fields = labFieldsSchema.parse(input.fields);
  try {
    return await db.$transaction(async (tx) => {
      const lab = await tx.lab.create({ data: { courseId: course.id, slug, ...columns(fields) } });
      await tx.auditLog.create({
        data: { courseId: course.id, actorId: actor.userId, action: "lab.create", targetType: "lab", targetId: lab.id, details: { slug, title: fields.title } },
      });
      return lab;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new StudentError("lab.slug_taken", `this course already has a lab called "${slug}"; choose another short name`);
    throw err;
  }
}

export async function updateLab(db: Db, actor: Actor, input: { courseSlug: string; labSlug: string; fields: LabFields }) {
  const { course, lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "edit labs");
  const next = columns(labFieldsSchema.parse(input.fields));
  const changed = (Object.keys(next) as Array<keyof typeof next>).filter((key) => String(next[key]) !== String(lab[key]));
  if (changed.length === 0) return lab;
  return db.$transaction(async (tx) => {
    const updated = await tx.lab.update({ where: { id: lab.id }, data: next });
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "lab.update",
        targetType: "lab",
        targetId: lab.id,
        // Old and new values of what changed, except the description (long; its length will do).
        details: Object.fromEntries(
          changed.map((key) => [key, key === "description" ? { length: next.description.length } : { from: String(lab[key]), to: String(next[key]) }]),
        ),
      },
    });
    return updated;
  });
}
