// A submission's code, for its course's staff: the files of its archive as
// the sandbox unpacked them (lib/archive.ts's normalised tree), one file's
// text, and the archive as uploaded. Every view and download is in the audit
// log (`submission.code_view` with the file, `submission.code_download`):
// a student's code is theirs, and who read it is on record. Students use
// their own copy; others' code is "not found", as if it did not exist.
import { Readable } from "node:stream";
import { extract } from "tar-stream";
import { normaliseArchive } from "../archive.js";
import { getBlobOrThrow } from "../blobs.js";
import { STAFF_ROLES, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";

/** The most of one file the page shows; the download has the rest. */
export const MAX_SHOWN_FILE_BYTES = 256 * 1024;

export interface CodeEntry {
  /** Relative to the archive's root, e.g. "cmd/node/main.go". */
  path: string;
  kind: "file" | "link";
  sizeBytes: number;
  /** A symbolic link's target, as written. */
  target?: string;
}

export interface ShownFile {
  path: string;
  sizeBytes: number;
  /** The file's text (its first MAX_SHOWN_FILE_BYTES), or null for a binary file. */
  text: string | null;
  truncated: boolean;
}

async function submissionForStaffOrThrow(db: Db, actor: Actor, submissionId: string) {
  // Scoped in the query: staff of the submission's course, or a platform admin.
  const submission = await db.submission.findFirst({
    where: actor.isPlatformAdmin ? { id: submissionId } : { id: submissionId, course: { memberships: { some: { userId: actor.userId, role: { in: [...STAFF_ROLES] } } } } },
    select: { id: true, courseId: true, archiveKey: true, contentHash: true, createdAt: true, user: { select: { email: true } }, lab: { select: { slug: true } } },
  });
  if (!submission) throw new NotFoundError("submission");
  return submission;
}

async function audit(db: Db, actor: Actor, submission: { id: string; courseId: string; user: { email: string } }, action: string, details: Record<string, string | null>) {
  await db.auditLog.create({ data: { courseId: submission.courseId, actorId: actor.userId, action, targetType: "submission", targetId: submission.id, details: { student: submission.user.email, ...details } } });
}

/** The archive's entries under the folder the sandbox builds in, with the bytes of `wanted`. */
async function readTree(upload: Buffer, wanted: string | null): Promise<{ entries: CodeEntry[]; bytes: Buffer | null }> {
  // Validated when it was submitted; normalised again here so staff see the tree the sandbox got.
  const { tar } = await normaliseArchive(upload, 0, { maxArchiveBytes: upload.length, maxUnpackedBytes: 64 * 1024 * 1024, maxEntries: 5000 });
  const entries: CodeEntry[] = [];
  let bytes: Buffer | null = null;
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      const relative = header.name.replace(/^src\/?/, "");
      stream.on("data", (chunk: unknown) => {
        if (relative === wanted) chunks.push(chunk as Buffer);
      });
      stream.on("end", () => {
        if (header.type === "file") entries.push({ path: relative, kind: "file", sizeBytes: header.size ?? 0 });
        if (header.type === "symlink") entries.push({ path: relative, kind: "link", sizeBytes: 0, target: header.linkname ?? "" });
        if (relative === wanted && header.type === "file") bytes = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    reader.on("finish", resolve);
    reader.on("error", reject);
  });
  Readable.from(tar).pipe(reader);
  await done;
  entries.sort((a, b) => a.path.localeCompare(b.path));
  return { entries, bytes };
}

/** The submission's files, and `file`'s text when one is asked for (audited: which file, or the listing). */
export async function viewSubmissionCode(db: Db, actor: Actor, submissionId: string, file: string | null): Promise<{ entries: CodeEntry[]; shown: ShownFile | null }> {
  const submission = await submissionForStaffOrThrow(db, actor, submissionId);
  const { entries, bytes } = await readTree(await getBlobOrThrow(db, submission.archiveKey), file);
  if (file !== null && bytes === null) throw new NotFoundError(`file ${JSON.stringify(file.slice(0, 200))} in this submission`);
  await audit(db, actor, submission, "submission.code_view", { file });
  if (file === null || bytes === null) return { entries, shown: null };
  const found: Buffer = bytes;
  const head = found.subarray(0, MAX_SHOWN_FILE_BYTES);
  // A NUL byte in the first 8 KiB is how git, too, tells a binary file.
  const binary = head.subarray(0, 8192).includes(0);
  return { entries, shown: { path: file, sizeBytes: found.length, text: binary ? null : head.toString("utf8"), truncated: found.length > MAX_SHOWN_FILE_BYTES } };
}

/** The archive as the student uploaded it, with a file name for the download (audited). */
export async function downloadSubmissionArchive(db: Db, actor: Actor, submissionId: string): Promise<{ fileName: string; bytes: Buffer; gzipped: boolean }> {
  const submission = await submissionForStaffOrThrow(db, actor, submissionId);
  const bytes = await getBlobOrThrow(db, submission.archiveKey);
  await audit(db, actor, submission, "submission.code_download", { contentHash: submission.contentHash });
  const gzipped = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const who = submission.user.email.split("@")[0]!.replace(/[^a-zA-Z0-9._-]/g, "_");
  return { fileName: `${submission.lab.slug}-${who}-${submission.id}.${gzipped ? "tar.gz" : "tar"}`, bytes, gzipped };
}
