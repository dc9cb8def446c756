// What a submission's page may show: results filtered by each test's
// visibility for the student, everything for staff, nothing for another
// student; and the best score per lab counts only the actor's own graded work
// and is withheld while any of the lab's results are.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db.js";
import { NotFoundError } from "../../lib/errors.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { putBlob } from "../../lib/blobs.js";
import { getArtifactForViewerOrThrow } from "../../lib/reports/run-report.js";
import { bestScoresByLab } from "../../lib/submissions/best-scores.js";
import { labsWithWithheldScores, withheldScoresOf } from "../../lib/submissions/withheld-scores.js";
import { getLabWithMyWorkOrThrow } from "../../lib/courses/access.js";
import { getSubmissionReportOrThrow } from "../../lib/submissions/submission-report.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { actorByEmail } from "../support/actors.js";

let database: ScratchDatabase;
let db: Db;
let labId: string;
let suiteVersionId: string;

const actor = (email: string) => actorByEmail(db, email);

/** A graded echo submission with one result per visibility. */
async function gradedSubmission(email: string, finalScore: number, visibilities = ["always", "after_due", "hidden"]) {
  const student = await actor(email);
  const lab = await db.lab.findUniqueOrThrow({ where: { id: labId } });
  const suiteVersion = { id: suiteVersionId };
  const submission = await db.submission.create({
    data: {
      courseId: lab.courseId,
      labId: lab.id,
      userId: student.userId,
      suiteVersionId: suiteVersion.id,
      archiveKey: "archives/test",
      archiveBytes: 1,
      contentHash: "0".repeat(64),
      status: "GRADED",
      score: finalScore,
      maxScore: 3,
      finalScore,
    },
  });
  const job = await db.gradingJob.create({ data: { submissionId: submission.id, suiteVersionId: suiteVersion.id, status: "SUCCEEDED" } });
  const attempt = await db.gradingAttempt.create({ data: { jobId: job.id, number: 1, runnerId: "test", outcome: "GRADED", finishedAt: new Date() } });
  for (const visibility of visibilities) {
    await db.testResult.create({
      data: { attemptId: attempt.id, testName: `t-${visibility}`, repetition: 0, seed: "1", verdict: "PASS", reason: "ok", visibility, durationMs: 10 },
    });
  }
  return submission;
}

const names = (report: { results: Array<{ testName: string }> }) => report.results.map((r) => r.testName).sort();

beforeAll(async () => {
  database = await createMigratedDatabase("submission-report");
  db = createDb(database.url);
  await seedDemoCourse(db);
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } } });
  labId = lab.id;
  // The results below are graded with a suite that has those tests: a
  // result's visibility is its test's in the version it was graded with.
  const seeded = await db.suiteVersion.findFirstOrThrow({ where: { labId }, orderBy: { version: "asc" } });
  const spec = seeded.spec as { tests: Array<Record<string, unknown>> };
  const tests = ["always", "after_due", "hidden"].map((visibility) => ({ ...spec.tests[0], name: `t-${visibility}`, points: 1, visibility }));
  suiteVersionId = (await db.suiteVersion.create({ data: { labId, version: seeded.version + 100, source: "(test)", sourceHash: "0".repeat(64), spec: { ...spec, tests } } })).id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

describe("getSubmissionReportOrThrow", () => {
  it("shows the student only the always-visible results before the deadline", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() + 3600_000) } });
    const submission = await gradedSubmission("alice@demo.labgrade.test", 1);
    const report = await getSubmissionReportOrThrow(db, await actor("alice@demo.labgrade.test"), submission.id);
    expect(names(report)).toEqual(["t-always"]);
    expect(report.withheldResults).toBe(2);
    expect(report.withheld.map((r) => r.testName).sort()).toEqual(["t-after_due", "t-hidden"]);
    expect(report.staffView).toBe(false);
    // The total would tell whether the hidden tests passed: only the points shown are.
    expect(report.score).toBeNull();
    expect(report.shownPoints).toEqual({ earned: 0, possible: 0 });
  });

  it("shows the student every result, and the total, once the staff release them", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() + 3600_000), resultsReleasedAt: new Date(Date.now() - 1000) } });
    try {
      const submission = await gradedSubmission("alice@demo.labgrade.test", 1.5);
      const report = await getSubmissionReportOrThrow(db, await actor("alice@demo.labgrade.test"), submission.id);
      expect(names(report)).toEqual(["t-after_due", "t-always", "t-hidden"]);
      expect(report.withheld).toEqual([]);
      expect(report.score).toEqual({ score: 1.5, finalScore: 1.5, maxScore: 3 });
      // A release dated in the future is not one yet.
      await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: new Date(Date.now() + 3600_000) } });
      expect(names(await getSubmissionReportOrThrow(db, await actor("alice@demo.labgrade.test"), submission.id))).toEqual(["t-always"]);
    } finally {
      await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: null } });
    }
  });

  it("adds the after-due results once the deadline has passed, never the hidden ones", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() - 3600_000) } });
    const submission = await gradedSubmission("alice@demo.labgrade.test", 2);
    const report = await getSubmissionReportOrThrow(db, await actor("alice@demo.labgrade.test"), submission.id);
    expect(names(report)).toEqual(["t-after_due", "t-always"]);
    expect(report.withheldResults).toBe(1);
  });

  it("shows staff every result", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() + 3600_000) } });
    const submission = await gradedSubmission("alice@demo.labgrade.test", 0);
    for (const email of ["ta@demo.labgrade.test", "admin@demo.labgrade.test"]) {
      const report = await getSubmissionReportOrThrow(db, await actor(email), submission.id);
      expect(names(report)).toEqual(["t-after_due", "t-always", "t-hidden"]);
      expect(report.staffView).toBe(true);
    }
  });

  it("serves a hidden test's artifacts to staff only, until the results are released", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() + 3600_000) } });
    const submission = await gradedSubmission("alice@demo.labgrade.test", 0);
    const hidden = await db.testResult.findFirstOrThrow({ where: { attempt: { job: { submissionId: submission.id } }, testName: "t-hidden" } });
    const blob = await putBlob(db, `test/${hidden.id}/history.json`, Buffer.from('{"events":[]}'));
    const artifact = await db.artifact.create({
      data: { attemptId: hidden.attemptId, testResultId: hidden.id, kind: "HISTORY", name: "history.json", storageKey: blob.key, sizeBytes: blob.sizeBytes, sha256: blob.sha256 },
    });
    const alice = await actor("alice@demo.labgrade.test");
    await expect(getArtifactForViewerOrThrow(db, alice, submission.id, artifact.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(getArtifactForViewerOrThrow(db, await actor("bob@demo.labgrade.test"), submission.id, artifact.id)).rejects.toBeInstanceOf(NotFoundError);
    const staff = await getArtifactForViewerOrThrow(db, await actor("ta@demo.labgrade.test"), submission.id, artifact.id);
    expect(staff.bytes.toString()).toBe('{"events":[]}');
    await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: new Date(Date.now() - 1000) } });
    try {
      expect((await getArtifactForViewerOrThrow(db, alice, submission.id, artifact.id)).artifact.id).toBe(artifact.id);
    } finally {
      await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: null } });
    }
  });

  it("is not found for another student", async () => {
    const submission = await gradedSubmission("alice@demo.labgrade.test", 0);
    await expect(getSubmissionReportOrThrow(db, await actor("bob@demo.labgrade.test"), submission.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe("bestScoresByLab", () => {
  it("is the highest final score among the actor's own graded submissions, once the results are released", async () => {
    await gradedSubmission("carol@demo.labgrade.test", 2.5);
    await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: new Date(Date.now() - 1000) } });
    try {
      const alice = await bestScoresByLab(db, await actor("alice@demo.labgrade.test"), [labId]);
      expect(alice.get(labId)).toEqual({ finalScore: 2, maxScore: 3, withheld: false });
      const carol = await bestScoresByLab(db, await actor("carol@demo.labgrade.test"), [labId]);
      expect(carol.get(labId)).toEqual({ finalScore: 2.5, maxScore: 3, withheld: false });
      const bob = await bestScoresByLab(db, await actor("bob@demo.labgrade.test"), [labId]);
      expect(bob.size).toBe(0);
    } finally {
      await db.lab.update({ where: { id: labId }, data: { resultsReleasedAt: null } });
    }
  });

  it("is withheld while a hidden result is (it would tell whether the hidden tests passed)", async () => {
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() - 3600_000) } });
    const carol = await bestScoresByLab(db, await actor("carol@demo.labgrade.test"), [labId]);
    expect(carol.get(labId)).toEqual({ finalScore: null, maxScore: null, withheld: true });
    expect([...(await labsWithWithheldScores(db, await actor("carol@demo.labgrade.test"), [labId]))]).toEqual([labId]);
    // The lab's page reads with the lab that a suite version may withhold, and asks the results only then.
    const onItsPage = await getLabWithMyWorkOrThrow(db, await actor("carol@demo.labgrade.test"), DEMO_COURSE_SLUG, "echo");
    expect(onItsPage.mayWithhold).toBe(true);
    expect([...(await withheldScoresOf(db, await actor("carol@demo.labgrade.test"), [labId]))]).toEqual([labId]);
    // Staff see what they submit, like everything else.
    await gradedSubmission("ta@demo.labgrade.test", 3);
    expect((await bestScoresByLab(db, await actor("ta@demo.labgrade.test"), [labId])).get(labId)).toEqual({ finalScore: 3, maxScore: 3, withheld: false });
  });

  it("with after-due results only, is withheld until the student's deadline (an extension's, if later)", async () => {
    const dave = await db.user.create({ data: { email: "dave@demo.labgrade.test", name: "Dave Student" } });
    const lab = await db.lab.findUniqueOrThrow({ where: { id: labId } });
    await db.membership.create({ data: { courseId: lab.courseId, userId: dave.id, role: "STUDENT" } });
    await gradedSubmission("dave@demo.labgrade.test", 1, ["always", "after_due"]);
    const best = async () => (await bestScoresByLab(db, await actor("dave@demo.labgrade.test"), [labId])).get(labId);
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() + 3600_000) } });
    expect(await best()).toMatchObject({ withheld: true, finalScore: null });
    await db.lab.update({ where: { id: labId }, data: { dueAt: new Date(Date.now() - 3600_000) } });
    expect(await best()).toEqual({ finalScore: 1, maxScore: 3, withheld: false });
    const ivan = await actor("instructor@demo.labgrade.test");
    await db.extension.create({ data: { labId, userId: dave.id, dueAt: new Date(Date.now() + 3600_000), grantedById: ivan.userId } });
    expect(await best()).toMatchObject({ withheld: true, finalScore: null });
  });
});
