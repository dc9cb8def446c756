import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { describe, expect, it } from "vitest";
import { normaliseArchive, packEntries, type ArchiveLimits } from "../../lib/archive.js";
import { StudentError } from "../../lib/errors.js";

type EntrySpec = { name: string; type?: "file" | "directory" | "symlink" | "link" | "character-device"; body?: string; linkname?: string; mode?: number };

async function tarOf(entries: EntrySpec[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type === "file" || e.type === undefined) p.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.body ?? "");
    else p.entry({ name: e.name, type: e.type, linkname: e.linkname, mode: e.mode ?? 0o755 });
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function refusal(upload: Buffer, limits?: ArchiveLimits): Promise<StudentError> {
  try {
    await normaliseArchive(upload, 10001, limits);
  } catch (err) {
    if (err instanceof StudentError) return err;
    throw err;
  }
  throw new Error("the archive was accepted");
}

describe("submission archives", () => {
  it("accepts a gzipped tar and rewrites it under src/ owned by the sandbox user", async () => {
    const upload = gzipSync(await tarOf([{ name: "main.go", body: "package main" }, { name: "run.sh", body: "#!/bin/sh", mode: 0o755 }]));
    const { archive, tar } = await normaliseArchive(upload, 10001);
    expect(archive.files.map((f) => f.path).sort()).toEqual(["main.go", "run.sh"]);
    expect(archive.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const { extract } = await import("tar-stream");
    const seen: Array<{ name: string; uid?: number; mode?: number }> = [];
    const x = extract();
    x.on("entry", (h, s, next) => {
      seen.push({ name: h.name, uid: h.uid, mode: h.mode });
      s.resume();
      s.on("end", next);
    });
    await new Promise<void>((resolve) => {
      x.on("finish", () => resolve());
      x.end(tar);
    });
    expect(seen).toContainEqual({ name: "src/run.sh", uid: 10001, mode: 0o755 });
    expect(seen).toContainEqual({ name: "src/main.go", uid: 10001, mode: 0o644 });
  });

  it("refuses a file that is not an archive", async () => {
    const err = await refusal(Buffer.from("this is just text, not a tarball at all".repeat(20)));
    expect(err.code).toBe("archive.unreadable");
    expect(err.message).toMatch(/not a tar archive/);
  });

  it("refuses a path escaping the folder", async () => {
    const err = await refusal(await tarOf([{ name: "../../etc/passwd", body: "x" }]));
    expect(err.code).toBe("archive.path_escape");
  });

  it("refuses an absolute path", async () => {
    const err = await refusal(await tarOf([{ name: "/etc/cron.d/evil", body: "x" }]));
    expect(["archive.absolute_path", "archive.path_escape"]).toContain(err.code);
  });

  it("refuses a symbolic link out of the folder", async () => {
    const err = await refusal(await tarOf([{ name: "main.go", body: "x" }, { name: "secrets", type: "symlink", linkname: "../../../../etc/shadow" }]));
    expect(err.code).toBe("archive.link_escape");
    expect(err.message).toMatch(/secrets/);
  });

  it("keeps a symbolic link that stays inside", async () => {
    const { archive } = await normaliseArchive(await tarOf([{ name: "a/main.go", body: "x" }, { name: "b", type: "symlink", linkname: "a/main.go" }]), 10001);
    expect(archive.files).toHaveLength(1);
  });

  it("refuses device files", async () => {
    const err = await refusal(await tarOf([{ name: "main.go", body: "x" }, { name: "null", type: "character-device" }]));
    expect(err.code).toBe("archive.unsupported_entry");
  });

  it("refuses an archive larger than the lab allows", async () => {
    const upload = await tarOf([{ name: "big.bin", body: "x".repeat(20_000) }]);
    const err = await refusal(upload, { maxArchiveBytes: 10_000, maxUnpackedBytes: 1e9, maxEntries: 10 });
    expect(err.code).toBe("archive.too_large");
  });

  it("refuses a decompression bomb before inflating it all", async () => {
    const bomb = gzipSync(await tarOf([{ name: "zeros", body: "\0".repeat(8 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(100_000);
    const err = await refusal(bomb, { maxArchiveBytes: 1e6, maxUnpackedBytes: 1024 * 1024, maxEntries: 10 });
    expect(err.code).toBe("archive.too_large_unpacked");
  });

  it("refuses an empty upload and an archive with no files", async () => {
    expect((await refusal(Buffer.alloc(0))).code).toBe("archive.empty");
    expect((await refusal(await tarOf([{ name: "dir", type: "directory" }]))).code).toBe("archive.no_files");
  });

  it("packs the same files to the same bytes, whenever they are packed (no times in the headers)", async () => {
    const entries = [
      { path: "src", type: "directory" as const },
      { path: "src/main.go", type: "file" as const, mode: 0o644, content: Buffer.from("package main\n") },
    ];
    const first = await packEntries(entries);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await packEntries(entries)).equals(first)).toBe(true);
  });
});
