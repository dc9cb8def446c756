// Submission archives: validated before anything is stored or run, then
// rewritten into a normalised tar that the sandbox unpacks under /work/src.
// Refused with a message a student can act on: not a (gzipped) tar, a path
// that escapes the folder, a link (symbolic links may only point inside),
// device files, too many files, too large, or a decompression bomb.
import { sha256 } from "./blobs.js";
import path from "node:path/posix";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract, pack, type Header } from "tar-stream";
import { StudentError } from "./errors.js";

export interface ArchiveLimits {
  /** Largest upload, as sent (compressed). */
  maxArchiveBytes: number;
  /** Largest total size once unpacked. */
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 10 * 1024 * 1024,
  maxUnpackedBytes: 64 * 1024 * 1024,
  maxEntries: 5000,
};

export interface ValidatedArchive {
  /** sha256 of the uploaded bytes. */
  contentHash: string;
  /** Regular files and directories, paths relative to the archive root. */
  files: Array<{ path: string; size: number }>;
  unpackedBytes: number;
}

interface Entry {
  header: Header;
  data: Buffer;
}

function refuse(code: string, message: string): never {
  throw new StudentError(`archive.${code}`, message);
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function normalise(name: string): string {
  if (name.startsWith("/")) refuse("absolute_path", `"${name}" is an absolute path; archive paths must be relative`);
  const clean = path.normalize(name).replace(/\/+$/, "");
  if (clean === ".." || clean.startsWith("../")) refuse("path_escape", `"${name}" points outside the archive's folder`);
  return clean === "." ? "" : clean;
}

async function readEntries(tarBytes: Buffer, limits: ArchiveLimits): Promise<Entry[]> {
  const entries: Entry[] = [];
  let total = 0;
  const extractor = extract();
  const done = new Promise<void>((resolve, reject) => {
    extractor.on("entry", (header, stream, next) => {
      if (entries.length >= limits.maxEntries) {
        reject(new StudentError("archive.too_many_entries", `more than ${limits.maxEntries} files in the archive`));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (data: unknown) => {
        const chunk = data as Buffer;
        total += chunk.length;
        if (total > limits.maxUnpackedBytes) {
          reject(
            new StudentError(
              "archive.too_large_unpacked",
              `the archive unpacks to more than ${limits.maxUnpackedBytes / 1024 / 1024} MiB (a decompression bomb, or build outputs that should not be submitted)`,
            ),
          );
          stream.destroy();
          return;
        }
        chunks.push(chunk);
      });
      stream.on("end", () => {
        entries.push({ header, data: Buffer.concat(chunks) });
        next();
      });
      stream.on("error", reject);
    });
    extractor.on("finish", resolve);
    extractor.on("error", () => reject(new StudentError("archive.unreadable", "the file is not a readable tar archive (.tar or .tar.gz)")));
  });
  Readable.from([tarBytes]).pipe(extractor);
  await done;
  return entries;
}

/** Validates an uploaded archive and returns the normalised tar (paths under src/, owned by `uid`). */
export async function normaliseArchive(
  upload: Buffer,
  uid: number,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
): Promise<{ archive: ValidatedArchive; tar: Buffer }> {
  if (upload.length === 0) refuse("empty", "the uploaded file is empty");
  if (upload.length > limits.maxArchiveBytes) {
    refuse("too_large", `the archive is ${upload.length} bytes; the limit is ${limits.maxArchiveBytes} bytes`);
  }
  let tarBytes = upload;
  if (isGzip(upload)) {
    try {
      tarBytes = gunzipSync(upload, { maxOutputLength: limits.maxUnpackedBytes + 1024 * 1024 });
    } catch (err) {
      if (err instanceof RangeError || (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        refuse("too_large_unpacked", `the archive unpacks to more than ${limits.maxUnpackedBytes / 1024 / 1024} MiB (a decompression bomb?)`);
      }
      refuse("unreadable", "the file looks gzipped but could not be decompressed");
    }
  }
  // A tar archive has "ustar" at offset 257 of its first header.
  if (tarBytes.length < 512 || tarBytes.subarray(257, 262).toString("latin1") !== "ustar") {
    refuse("unreadable", "the file is not a tar archive; upload a .tar or .tar.gz of your solution's folder");
  }
  const entries = await readEntries(tarBytes, limits);
  const out = pack();
  // The folder itself, so it belongs to the sandbox user (the build writes in it).
  out.entry({ name: "src", type: "directory", mode: 0o755, uid, gid: uid, mtime: new Date(0) });
  const files: ValidatedArchive["files"] = [];
  let unpackedBytes = 0;
  for (const { header, data } of entries) {
    const name = normalise(header.name);
    if (name === "" || name.split("/").some((part) => part === ".git")) continue;
    const base = { name: `src/${name}`, uid, gid: uid, uname: "", gname: "", mtime: new Date(0) };
    switch (header.type) {
      case "directory":
        out.entry({ ...base, type: "directory", mode: 0o755 });
        break;
      case "file":
      case "contiguous-file": {
        const executable = ((header.mode ?? 0) & 0o111) !== 0;
        out.entry({ ...base, type: "file", mode: executable ? 0o755 : 0o644, size: data.length }, data);
        files.push({ path: name, size: data.length });
        unpackedBytes += data.length;
        break;
      }
      case "symlink": {
        const target = header.linkname ?? "";
        const resolved = path.normalize(path.join(path.dirname(name), target));
        if (target.startsWith("/") || resolved === ".." || resolved.startsWith("../")) {
          refuse("link_escape", `the symbolic link "${name}" points outside the archive (to "${target}")`);
        }
        out.entry({ ...base, type: "symlink", linkname: target });
        break;
      }
      default:
        refuse("unsupported_entry", `"${name}" is a ${header.type ?? "special"} entry; only files, folders and symbolic links are allowed`);
    }
  }
  if (files.length === 0) refuse("no_files", "the archive contains no files");
  out.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return {
    archive: { contentHash: sha256(upload), files, unpackedBytes },
    tar: Buffer.concat(chunks),
  };
}

/** One entry of an archive packed here: a folder, or a file with its bytes. */
export type PackEntry = { path: string; type: "directory" } | { path: string; type: "file"; mode: number; content: Buffer };

/**
 * A folder's sub-folders and files as archive entries, in name order (for
 * seeds, tests and the CLI); `skip` leaves out a path (a folder with all it holds).
 */
export async function directoryEntries(dir: string, skip: (relPath: string, isDirectory: boolean) => boolean = () => false): Promise<PackEntry[]> {
  const { readdir, readFile, stat } = await import("node:fs/promises");
  const nodePath = await import("node:path");
  const entries: PackEntry[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(nodePath.join(dir, rel))).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      const full = nodePath.join(dir, relPath);
      const info = await stat(full);
      if (skip(relPath, info.isDirectory())) continue;
      if (info.isDirectory()) {
        entries.push({ path: relPath, type: "directory" });
        await walk(relPath);
      } else if (info.isFile()) {
        entries.push({ path: relPath, type: "file", mode: info.mode & 0o777, content: await readFile(full) });
      }
    }
  };
  await walk("");
  return entries;
}

/**
 * Packs archive entries into a .tar.gz, as a student's upload would be. Times
 * are left out (the grader drops them anyway), so the same files always pack
 * to the same bytes.
 */
export async function packEntries(entries: readonly PackEntry[]): Promise<Buffer> {
  const { gzipSync } = await import("node:zlib");
  const out = pack();
  const mtime = new Date(0);
  for (const entry of entries) {
    if (entry.type === "directory") out.entry({ name: entry.path, type: "directory", mode: 0o755, mtime });
    else out.entry({ name: entry.path, type: "file", mode: entry.mode, size: entry.content.length, mtime }, entry.content);
  }
  out.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/** Packs a folder's files into a .tar.gz (for seeds, tests and the CLI). */
export async function packDirectory(dir: string): Promise<Buffer> {
  return packEntries(await directoryEntries(dir));
}
