// A lab's test suite as staff edit it: every saved change is a new version
// (1, 2, 3 …; results record the version they ran), a version is a draft
// until published, and students are graded against the newest published one.
// Before publishing, staff dry-run a version against the lab's reference
// solutions: each becomes a staff-owned submission graded in the DRY_RUN band
// (after student work, before regrades), and the result says whether every
// reference did what it was expected to (pass, or fail on purpose).
// Owners and instructors only; every action is in the audit log.
import type { Queue } from "bullmq";
import { normaliseArchive } from "../archive.js";
import { putBlob } from "../blobs.js";
import { getLabForEditorOrThrow, getLabForMemberOrThrow, isStaff, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { SubmissionStatus } from "../generated/prisma/enums.js";
import { fairPriority } from "../jobs/scheduling.js";
import { enqueueGradingJob } from "../queue.js";
import { isFinalStatus } from "../submissions/final-status.js";
import type { UploadSlots } from "../submissions/upload-slots.js";
import { withUpload, type UploadSource } from "../submissions/upload-source.js";
import { runnerCapabilities } from "./capabilities.js";
import { parseSuite, type SuiteError } from "./parse-suite.js";

/** The suite document did not validate; `errors` name their lines. */
export class SuiteInvalidError extends StudentError {
  constructor(readonly errors: SuiteError[]) {
    super("suite.invalid", `the suite has ${errors.length} error${errors.length === 1 ? "" : "s"}`);
  }
}

/**
 * Saves `source` as the lab's next version (a draft). Saving the same text as
 * the newest version again creates nothing and returns that version.
 */
export async function saveSuiteVersion(db: Db, actor: Actor, input: { courseSlug: string; labSlug: string; source: string }) {
  const { course, lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "edit test suites");
  if (input.source.length > 200_000) throw new StudentError("suite.too_long", "the suite is longer than 200,000 characters");
  // Faults no runner can apply are refused here, where staff can still change them.
  const parsed = parseSuite(input.source, { capabilities: await runnerCapabilities(db) });
  if (!parsed.ok) throw new SuiteInvalidError(parsed.errors);
  return db.$transaction(async (tx) => {
    // Serialise saves of one lab so two editors cannot both take version N+1.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`suite:${lab.id}`}))`;
    const latest = await tx.suiteVersion.findFirst({ where: { labId: lab.id }, orderBy: { version: "desc" } });
    if (latest && latest.sourceHash === parsed.sourceHash) return { version: latest, created: false };
    const version = await tx.suiteVersion.create({
      data: {
        labId: lab.id,
        version: (latest?.version ?? 0) + 1,
        source: input.source,
        spec: parsed.spec as object,
        sourceHash: parsed.sourceHash,
        createdById: actor.userId,
      },
    });
    await tx.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: "suite.save", targetType: "lab", targetId: lab.id, details: { version: version.version, tests: parsed.spec.tests.length } },
    });
    return { version, created: true };
  });
}

async function versionOrThrow(db: Db, labId: string, version: number) {
  const found = await db.suiteVersion.findUnique({ where: { labId_version: { labId, version } } });
  if (!found) throw new NotFoundError(`suite version ${version}`);
  return found;
}

/** Publishes a version: from now on new submissions are graded against it (if it is the newest published). */
export async function publishSuiteVersion(db: Db, actor: Actor, input: { courseSlug: string; labSlug: string; version: number }) {
  const { course, lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "publish test suites");
  const version = await versionOrThrow(db, lab.id, input.version);
  if (version.publishedAt) return version;
  return db.$transaction(async (tx) => {
    const published = await tx.suiteVersion.update({ where: { id: version.id }, data: { publishedAt: new Date() } });
    await tx.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: "suite.publish", targetType: "lab", targetId: lab.id, details: { version: version.version } },
    });
    return published;
  });
}

/** A lab's versions, newest first, and its reference solutions, for its staff (TAs read; editors write). */
export async function listSuiteVersions(db: Db, actor: Actor, courseSlug: string, labSlug: string) {
  const { course, role, lab } = await getLabForMemberOrThrow(db, actor, courseSlug, labSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only course staff may see test suites");
  const versions = await db.suiteVersion.findMany({
    where: { labId: lab.id },
    orderBy: { version: "desc" },
    select: { id: true, version: true, source: true, sourceHash: true, publishedAt: true, createdAt: true, createdById: true },
  });
  const references = await db.referenceSolution.findMany({ where: { labId: lab.id }, orderBy: { name: "asc" }, select: { name: true, expectPass: true, createdAt: true } });
  return { course, role, lab, versions, references };
}

/** Stores (or replaces, by name) a reference solution of the lab, validated like any submission. */
/**
 * Stores a reference solution. `upload` may be a body still to be read: it is
 * read (no further than the lab's limit, holding one of `uploadSlots`'s
 * places) only once the actor and the name have passed.
 */
export async function uploadReferenceSolution(
  db: Db,
  actor: Actor,
  input: { courseSlug: string; labSlug: string; name: string; expectPass: boolean; upload: Buffer | UploadSource },
  opts: { uploadSlots?: UploadSlots } = {},
) {
  const { course, lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "upload reference solutions");
  const name = input.name.trim();
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new StudentError("reference.bad_name", "a reference solution's name is lowercase letters, digits and dashes (e.g. correct, no-retry)");
  }
  const { archive, blob } = await withUpload(input.upload, { maxBytes: lab.maxArchiveBytes, userId: actor.userId, slots: opts.uploadSlots }, async (upload) => {
    const { archive } = await normaliseArchive(upload, 0, { maxArchiveBytes: lab.maxArchiveBytes, maxUnpackedBytes: 64 * 1024 * 1024, maxEntries: 5000 });
    return { archive, blob: await putBlob(db, `archives/${archive.contentHash}`, upload) };
  });
  return db.$transaction(async (tx) => {
    const reference = await tx.referenceSolution.upsert({
      where: { labId_name: { labId: lab.id, name } },
      create: { labId: lab.id, name, expectPass: input.expectPass, archiveKey: blob.key, contentHash: archive.contentHash },
      update: { expectPass: input.expectPass, archiveKey: blob.key, contentHash: archive.contentHash },
    });
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "reference.upload",
        targetType: "lab",
        targetId: lab.id,
        details: { name, expectPass: input.expectPass, contentHash: archive.contentHash },
      },
    });
    return reference;
  });
}

/** Grades every reference solution of the lab against one suite version (draft or published). */
export async function startDryRun(deps: { db: Db; queue: Queue }, actor: Actor, input: { courseSlug: string; labSlug: string; version: number }) {
  const { db } = deps;
  const { course, lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "dry-run test suites");
  const version = await versionOrThrow(db, lab.id, input.version);
  const references = await db.referenceSolution.findMany({ where: { labId: lab.id }, orderBy: { name: "asc" } });
  if (references.length === 0) throw new StudentError("dry_run.no_reference", "this lab has no reference solution yet; upload one first");
  const blobs = await db.storedBlob.findMany({ where: { key: { in: references.map((r) => r.archiveKey) } }, select: { key: true, sizeBytes: true } });
  const jobs = await db.$transaction(async (tx) => {
    const jobs: Array<{ id: string; priority: number }> = [];
    for (const reference of references) {
      const submission = await tx.submission.create({
        data: {
          courseId: course.id,
          labId: lab.id,
          userId: actor.userId,
          suiteVersionId: version.id,
          archiveKey: reference.archiveKey,
          archiveBytes: blobs.find((b) => b.key === reference.archiveKey)?.sizeBytes ?? 0,
          contentHash: reference.contentHash,
          countsTowardLimit: false,
          statusDetail: `dry run of suite version ${version.version} against the reference solution ${reference.name}`,
        },
      });
      const priority = await fairPriority(tx, "DRY_RUN", { courseId: course.id, userId: actor.userId });
      jobs.push(
        await tx.gradingJob.create({
          data: { submissionId: submission.id, suiteVersionId: version.id, kind: "DRY_RUN", priority, enqueuedAt: new Date() },
          select: { id: true, priority: true },
        }),
      );
    }
    await tx.auditLog.create({
      data: {
        courseId: course.id,
        actorId: actor.userId,
        action: "suite.dry_run",
        targetType: "lab",
        targetId: lab.id,
        details: { version: version.version, references: references.map((r) => r.name) },
      },
    });
    return jobs;
  });
  // A failed enqueue is picked up by the runners' reconciler.
  for (const job of jobs) await enqueueGradingJob(deps.queue, job).catch(() => undefined);
  return { version: version.version, references: references.length };
}

export interface DryRunRow {
  submissionId: string;
  version: number;
  reference: string;
  expectPass: boolean;
  status: SubmissionStatus;
  score: number | null;
  maxScore: number | null;
  /** null while grading; true when the reference did what was expected (full marks, or less on purpose). */
  asExpected: boolean | null;
  createdAt: Date;
}


/** The lab's dry runs, newest first, with whether each reference behaved as expected. */
export async function listDryRuns(db: Db, labId: string, take = 30): Promise<DryRunRow[]> {
  const [jobs, references] = await Promise.all([
    db.gradingJob.findMany({
      where: { kind: "DRY_RUN", submission: { labId } },
      orderBy: { createdAt: "desc" },
      take,
      select: {
        suiteVersion: { select: { version: true } },
        submission: { select: { id: true, status: true, score: true, maxScore: true, contentHash: true, createdAt: true } },
      },
    }),
    db.referenceSolution.findMany({ where: { labId }, select: { name: true, expectPass: true, contentHash: true } }),
  ]);
  return jobs.map(({ suiteVersion, submission: s }) => {
    const reference = references.find((r) => r.contentHash === s.contentHash);
    const expectPass = reference?.expectPass ?? true;
    const fullMarks = s.status === "GRADED" && s.score !== null && s.maxScore !== null && s.score >= s.maxScore;
    let asExpected: boolean | null = null;
    if (isFinalStatus(s.status)) asExpected = s.status === "INFRA_ERROR" || s.status === "CANCELLED" ? false : expectPass === fullMarks;
    return {
      submissionId: s.id,
      version: suiteVersion.version,
      reference: reference?.name ?? "(replaced since)",
      expectPass,
      status: s.status,
      score: s.score,
      maxScore: s.maxScore,
      asExpected,
      createdAt: s.createdAt,
    };
  });
}
