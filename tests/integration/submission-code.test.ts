// A submission's code for staff over a real database: the files as the
// sandbox unpacks them, one file's text (a binary one withheld), the archive
// as uploaded; every view and download in the audit log; a student (even the
// author) and another course's staff get "not found", and nothing is logged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packEntries } from "../../lib/archive.js";
import { putBlob, sha256 } from "../../lib/blobs.js";
import { createDb, type Db } from "../../lib/db.js";
import { NotFoundError } from "../../lib/errors.js";
import { DEMO_COURSE_SLUG, seedDemoCourse } from "../../lib/seed/demo-course.js";
import { downloadSubmissionArchive, viewSubmissionCode } from "../../lib/submissions/submission-code.js";
import { actorByEmail } from "../support/actors.js";
import { createMigratedDatabase, type ScratchDatabase } from "../support/databases.js";
import { createCourse } from "../support/factories.js";

let database: ScratchDatabase;
let db: Db;
let submissionId: string;
let upload: Buffer;

beforeAll(async () => {
  database = await createMigratedDatabase("submission-code");
  db = createDb(database.url);
  await seedDemoCourse(db);
  await createCourse(db, { members: { INSTRUCTOR: { email: "olga@other.labgrade.test" } } });
  upload = await packEntries([
    { path: "go.mod", type: "file", mode: 0o644, content: Buffer.from("module echo\n") },
    { path: "cmd", type: "directory" },
    { path: "cmd/main.go", type: "file", mode: 0o644, content: Buffer.from("package main\n\nfunc main() {}\n") },
    { path: "blob.bin", type: "file", mode: 0o644, content: Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]) },
  ]);
  const blob = await putBlob(db, `archives/${sha256(upload)}`, upload);
  const alice = await db.user.findUniqueOrThrow({ where: { email: "alice@demo.labgrade.test" } });
  const lab = await db.lab.findFirstOrThrow({ where: { slug: "echo", course: { slug: DEMO_COURSE_SLUG } }, include: { suiteVersions: true } });
  const submission = await db.submission.create({
    data: { courseId: lab.courseId, labId: lab.id, userId: alice.id, suiteVersionId: lab.suiteVersions[0]!.id, archiveKey: blob.key, archiveBytes: upload.length, contentHash: blob.sha256, status: "GRADED" },
  });
  submissionId = submission.id;
});

afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const audits = (action: string) => db.auditLog.findMany({ where: { action, targetId: submissionId }, orderBy: { createdAt: "asc" } });

describe("a submission's code", () => {
  it("lists the files, shows one file's text and withholds a binary one, each view audited", async () => {
    const ta = await actorByEmail(db, "ta@demo.labgrade.test");
    const listing = await viewSubmissionCode(db, ta, submissionId, null);
    expect(listing.entries.map((e) => [e.path, e.sizeBytes])).toEqual([
      ["blob.bin", 7],
      ["cmd/main.go", 29],
      ["go.mod", 12],
    ]);
    expect(listing.shown).toBeNull();
    const main = await viewSubmissionCode(db, ta, submissionId, "cmd/main.go");
    expect(main.shown).toEqual({ path: "cmd/main.go", sizeBytes: 29, text: "package main\n\nfunc main() {}\n", truncated: false });
    expect((await viewSubmissionCode(db, ta, submissionId, "blob.bin")).shown?.text).toBeNull();
    await expect(viewSubmissionCode(db, ta, submissionId, "../etc/passwd")).rejects.toBeInstanceOf(NotFoundError);
    const logged = await audits("submission.code_view");
    expect(logged.map((a) => (a.details as { file: string | null }).file)).toEqual([null, "cmd/main.go", "blob.bin"]);
    expect(logged.every((a) => a.actorId === ta.userId && (a.details as { student: string }).student === "alice@demo.labgrade.test")).toBe(true);
  });

  it("downloads the archive as uploaded, audited", async () => {
    const instructor = await actorByEmail(db, "instructor@demo.labgrade.test");
    const archive = await downloadSubmissionArchive(db, instructor, submissionId);
    expect(archive.bytes.equals(upload)).toBe(true);
    expect(archive.gzipped).toBe(true);
    expect(archive.fileName).toBe(`echo-alice-${submissionId}.tar.gz`);
    const logged = await audits("submission.code_download");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.actorId).toBe(instructor.userId);
  });

  it("is not found for students (the author too) and for another course's staff, and logs nothing for them", async () => {
    const before = await db.auditLog.count({ where: { targetId: submissionId } });
    for (const email of ["alice@demo.labgrade.test", "bob@demo.labgrade.test", "olga@other.labgrade.test"]) {
      const actor = await actorByEmail(db, email);
      await expect(viewSubmissionCode(db, actor, submissionId, null)).rejects.toBeInstanceOf(NotFoundError);
      await expect(downloadSubmissionArchive(db, actor, submissionId)).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(await db.auditLog.count({ where: { targetId: submissionId } })).toBe(before);
  });
});
