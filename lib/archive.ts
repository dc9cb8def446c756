// Submission archives: validated before anything is stored or run, then
// rewritten into a normalised tar that the sandbox unpacks under /work/src.
// Refused with a message a student can act on: not a (gzipped) tar, a path
// that escapes the folder, a link (symbolic links may only point inside),
// device files, too many files, too large, or a decompression bomb.
//
// Invariant: an archive accepted here unpacks, entry by entry, exactly as the
// tree it describes, and nothing in that tree leads outside src/. The engine
// unpacks as root (chrooted to /work) and follows symbolic links while it
// writes, and an archive it cannot unpack used to end as our error (retried,
// never charged), so every shape the unpack would trip on is refused here:
// - a path under a file or under a symbolic link (`a` and `a/b`; `l -> d` and
//   `l/f`), in any order of entries. Real tools never write an entry under a
//   link; the engine would follow the link while writing (`x -> .`,
//   `x/y -> ..`, `y/q -> ..`, `y/file` put `file` beside src/, not in it).
// - the same path twice, unless both are folders (tar merges folders, but a
//   second file or link silently replaces the first);
// - a name over 255 bytes or a path over PATH_MAX once under /work/src/, a
//   link target over PATH_MAX (Linux refuses them: ENAMETOOLONG), or empty.
// Symbolic links are resolved, not refused: projects do link folders (a
// shared package, `current -> v2`). Each link's target is followed through
// the tree the archive builds, links within it included (a link may point at
// a link, or through one), as the kernel would follow it after unpacking;
// one that ends outside the archive's folder, loops, or passes more than 40
// links (Linux's own limit) is refused. Since no entry may sit under a link,
// the unpack itself never passes through one.
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
  if (name.startsWith("/")) refuse("absolute_path", `"${shown(name)}" is an absolute path; archive paths must be relative`);
  const clean = path.normalize(name).replace(/\/+$/, "");
  if (clean === ".." || clean.startsWith("../")) refuse("path_escape", `"${shown(name)}" points outside the archive's folder`);
  return clean === "." ? "" : clean;
}

/** Linux's longest file name (NAME_MAX), in bytes. */
export const MAX_NAME_BYTES = 255;
/** Where the sandbox unpacks the archive: every path must still fit in PATH_MAX (4096 with its NUL) there. */
const SANDBOX_SOURCE_DIR = "/work/src/";
/** Longest path in an archive, in bytes. */
export const MAX_PATH_BYTES = 4096 - 1 - SANDBOX_SOURCE_DIR.length;
/** Longest target of a symbolic link (symlink(2) refuses PATH_MAX and over), in bytes. */
export const MAX_LINK_TARGET_BYTES = 4095;

/** A path as shown in a message: long ones are cut in the middle. */
function shown(name: string): string {
  return name.length <= 120 ? name : `${name.slice(0, 60)}…${name.slice(-50)}`;
}

function checkLengths(name: string): void {
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_PATH_BYTES) {
    refuse("path_too_long", `"${shown(name)}" is ${bytes} bytes long; a path in the archive may be at most ${MAX_PATH_BYTES} bytes (Linux's limit of 4096, less ${SANDBOX_SOURCE_DIR} where it is unpacked)`);
  }
  for (const part of name.split("/")) {
    const partBytes = Buffer.byteLength(part);
    if (partBytes > MAX_NAME_BYTES) {
      refuse("name_too_long", `"${shown(name)}" has a name of ${partBytes} bytes ("${shown(part)}"); Linux allows at most ${MAX_NAME_BYTES} bytes per file or folder name`);
    }
  }
}

/** Linux follows at most 40 symbolic links in one lookup (then ELOOP). */
const MAX_LINKS_FOLLOWED = 40;

/**
 * What the archive puts at a path: a folder (said, or implied by what it
 * holds), a file or a symbolic link. A trie, so that a path costs one step
 * per component however deep it is (paths may be 4 KiB of one-letter names).
 */
type TreeNode = { parent: TreeNode | undefined } & (
  | { kind: "directory"; children: Map<string, TreeNode>; firstChild?: string }
  | { kind: "file" }
  | { kind: "symlink"; name: string; target: string }
);
type Directory = Extract<TreeNode, { kind: "directory" }>;

/**
 * Where a link's target leads: a node of the tree, or `missing` components
 * below it that the archive does not have (a dangling link, or names under a
 * file): those are then walked as plain names, `..` undoing them.
 */
interface Place {
  node: TreeNode;
  missing: number;
}

const KIND_NAMES = { directory: "a folder", file: "a file", symlink: "a symbolic link" } as const;

/**
 * The tree an archive describes, built entry by entry. add() refuses a path
 * under a file or link (whichever comes first) and a path given twice;
 * checkLinks() then follows every link through the finished tree.
 */
class ArchiveTree {
  private readonly root: Directory = { kind: "directory", parent: undefined, children: new Map() };
  private readonly links: Array<Extract<TreeNode, { kind: "symlink" }>> = [];

  /** Whether the entry is new (a folder given again is not emitted again). */
  add(name: string, entry: { kind: "directory" } | { kind: "file" } | { kind: "symlink"; target: string }): boolean {
    const parts = name.split("/");
    let at: Directory = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const child = at.children.get(parts[i]!);
      if (child === undefined) {
        const dir: Directory = { kind: "directory", parent: at, children: new Map(), firstChild: name };
        at.children.set(parts[i]!, dir);
        at = dir;
      } else if (child.kind === "directory") {
        child.firstChild ??= name;
        at = child;
      } else {
        this.refuseUnder(name, parts.slice(0, i + 1).join("/"), child.kind);
      }
    }
    const last = parts[parts.length - 1]!;
    const existing = at.children.get(last);
    if (existing === undefined) {
      const node: TreeNode =
        entry.kind === "directory"
          ? { kind: "directory", parent: at, children: new Map() }
          : entry.kind === "file"
            ? { kind: "file", parent: at }
            : { kind: "symlink", parent: at, name, target: entry.target };
      at.children.set(last, node);
      if (node.kind === "symlink") this.links.push(node);
      return true;
    }
    if (existing.kind === "directory" && entry.kind === "directory") return false;
    if (existing.kind === "directory" && existing.firstChild !== undefined) this.refuseUnder(existing.firstChild, name, entry.kind);
    refuse(
      "duplicate_entry",
      existing.kind === entry.kind
        ? `"${shown(name)}" is in the archive twice; keep one ${entry.kind === "file" ? "copy" : "link"}`
        : `"${shown(name)}" is in the archive twice, as ${KIND_NAMES[existing.kind]} and as ${KIND_NAMES[entry.kind]}; keep one`,
    );
  }

  private refuseUnder(name: string, parent: string, kind: "file" | "symlink" | "directory"): never {
    if (kind === "symlink") {
      refuse("path_under_link", `"${shown(name)}" is inside "${shown(parent)}", which the archive has as a symbolic link; archive the folder itself, not a link to it`);
    }
    refuse("path_under_file", `"${shown(name)}" is inside "${shown(parent)}", which the archive also has as a file; a path cannot be both a file and a folder`);
  }

  /**
   * Follows every symbolic link as the kernel would after unpacking (a link
   * met on the way is followed in turn): each must end inside the archive's
   * folder. Each link is resolved once, so the work is one step per
   * component of all targets together.
   */
  checkLinks(): void {
    const resolved = new Map<TreeNode, Place>();
    const following = new Set<TreeNode>();
    const resolve = (link: Extract<TreeNode, { kind: "symlink" }>, depth: number): Place => {
      const known = resolved.get(link);
      if (known) return known;
      if (following.has(link)) {
        refuse("link_loop", `the symbolic link "${shown(link.name)}" leads back to itself (its target is "${shown(link.target)}"); links may not form a loop`);
      }
      if (depth > MAX_LINKS_FOLLOWED) {
        refuse("link_loop", `the symbolic link "${shown(link.name)}" is reached through more than ${MAX_LINKS_FOLLOWED} other links; Linux gives up there (ELOOP)`);
      }
      following.add(link);
      let at: Place = { node: link.parent!, missing: 0 };
      for (const part of link.target.split("/")) {
        if (part === "" || part === ".") continue;
        if (part === "..") {
          if (at.missing > 0) at = { node: at.node, missing: at.missing - 1 };
          else if (at.node.parent === undefined) {
            refuse("link_escape", `the symbolic link "${shown(link.name)}" points outside the archive (to "${shown(link.target)}", through the links on its way)`);
          } else at = { node: at.node.parent, missing: 0 };
          continue;
        }
        const child = at.missing === 0 && at.node.kind === "directory" ? at.node.children.get(part) : undefined;
        if (child === undefined) at = { node: at.node, missing: at.missing + 1 };
        else if (child.kind === "symlink") at = resolve(child, depth + 1);
        else at = { node: child, missing: 0 };
      }
      following.delete(link);
      resolved.set(link, at);
      return at;
    };
    for (const link of this.links) resolve(link, 0);
  }
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

/**
 * Whether an entry of a student's tree gives way to an overlay (our own files
 * laid over it: a lab's harness, a vendored library): ours win. An entry at
 * an overlay file's path or beneath it goes, and so does anything but a folder
 * where the overlay needs a folder (a file or a link named like one of its
 * folders, which would send our files elsewhere), and everything beneath a
 * folder the overlay replaces whole (a package of ours standing for the
 * student's copy of it: none of their files may join it).
 */
export function yieldsToOverlay(entryPath: string, isDirectory: boolean, overlay: readonly PackEntry[]): boolean {
  for (const ours of overlay) {
    if (ours.type === "file" && (entryPath === ours.path || entryPath.startsWith(`${ours.path}/`))) return true;
    if (ours.type === "directory" && ours.replaces && entryPath.startsWith(`${ours.path}/`)) return true;
    if (!isDirectory && (ours.path === entryPath || ours.path.startsWith(`${entryPath}/`))) return true;
  }
  return false;
}

/** A tree of entries with an overlay laid over it (yieldsToOverlay), the overlay's entries last. */
export function withOverlay(entries: readonly PackEntry[], overlay: readonly PackEntry[]): PackEntry[] {
  const kept = entries.filter((e) => !yieldsToOverlay(e.path, e.type === "directory", overlay));
  const have = new Set(kept.filter((e) => e.type === "directory").map((e) => e.path));
  return [...kept, ...overlay.filter((e) => e.type === "file" || !have.has(e.path))];
}

/**
 * Validates an uploaded archive and returns the normalised tar (paths under
 * src/, owned by `uid`). `overlay` lays our own files over the student's
 * (withOverlay): the student's entries that give way are left out and named
 * in `replaced`.
 */
export async function normaliseArchive(
  upload: Buffer,
  uid: number,
  limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS,
  overlay: readonly PackEntry[] = [],
): Promise<{ archive: ValidatedArchive; tar: Buffer; replaced: string[] }> {
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
  const tree = new ArchiveTree();
  const replaced: string[] = [];
  for (const { header, data } of entries) {
    const name = normalise(header.name);
    if (name === "" || name.split("/").some((part) => part === ".git")) continue;
    checkLengths(name);
    if (yieldsToOverlay(name, header.type === "directory", overlay)) {
      replaced.push(name);
      continue;
    }
    const base = { name: `src/${name}`, uid, gid: uid, uname: "", gname: "", mtime: new Date(0) };
    switch (header.type) {
      case "directory":
        if (tree.add(name, { kind: "directory" })) out.entry({ ...base, type: "directory", mode: 0o755 });
        break;
      case "file":
      case "contiguous-file": {
        tree.add(name, { kind: "file" });
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
          refuse("link_escape", `the symbolic link "${shown(name)}" points outside the archive (to "${shown(target)}")`);
        }
        if (target === "") refuse("link_empty", `the symbolic link "${shown(name)}" has no target; Linux cannot make it (ENOENT)`);
        if (Buffer.byteLength(target) > MAX_LINK_TARGET_BYTES) {
          refuse("path_too_long", `the symbolic link "${shown(name)}" has a target of ${Buffer.byteLength(target)} bytes; Linux allows at most ${MAX_LINK_TARGET_BYTES}`);
        }
        tree.add(name, { kind: "symlink", target });
        out.entry({ ...base, type: "symlink", linkname: target });
        break;
      }
      default:
        refuse("unsupported_entry", `"${shown(name)}" is a ${header.type ?? "special"} entry; only files, folders and symbolic links are allowed`);
    }
  }
  for (const ours of overlay) {
    const base = { name: `src/${ours.path}`, uid, gid: uid, uname: "", gname: "", mtime: new Date(0) };
    if (ours.type === "directory") {
      if (tree.add(ours.path, { kind: "directory" })) out.entry({ ...base, type: "directory", mode: 0o755 });
    } else {
      tree.add(ours.path, { kind: "file" });
      out.entry({ ...base, type: "file", mode: ours.mode, size: ours.content.length }, ours.content);
    }
  }
  tree.checkLinks();
  if (files.length === 0) refuse("no_files", "the archive contains no files");
  out.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of out) chunks.push(chunk as Buffer);
  return {
    archive: { contentHash: sha256(upload), files, unpackedBytes },
    tar: Buffer.concat(chunks),
    replaced,
  };
}

/** One entry of an archive packed here: a folder, or a file with its bytes. */
export type PackEntry =
  | {
      path: string;
      type: "directory";
      /** In an overlay: the folder is wholly ours, so everything a student's tree has beneath it gives way (yieldsToOverlay). */
      replaces?: boolean;
    }
  | { path: string; type: "file"; mode: number; content: Buffer };

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
