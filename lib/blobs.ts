// Archives and artifacts, stored in PostgreSQL (StoredBlob) so that every
// runner and web process reaching the database reaches the bytes. Keys are
// content-addressed for archives and path-like for artifacts.
import { createHash } from "node:crypto";
import { isUniqueViolation, type Db } from "./db.js";

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function putBlob(db: Db, key: string, bytes: Buffer): Promise<{ key: string; sha256: string; sizeBytes: number }> {
  const digest = sha256(bytes);
  try {
    await db.storedBlob.upsert({
      where: { key },
      create: { key, bytes: new Uint8Array(bytes), sizeBytes: bytes.length, sha256: digest },
      update: {},
    });
  } catch (err) {
    // Stored at the same moment by another request (the same archive twice): already there.
    if (!isUniqueViolation(err)) throw err;
  }
  return { key, sha256: digest, sizeBytes: bytes.length };
}

export async function getBlobOrThrow(db: Db, key: string): Promise<Buffer> {
  const blob = await db.storedBlob.findUnique({ where: { key } });
  if (!blob) throw new Error(`stored blob ${key} is missing`);
  return Buffer.from(blob.bytes);
}

/** The last `maxBytes` bytes of each stored blob (cut in the database: a log's tail without fetching the whole log), by key. */
export async function getBlobTails(db: Db, keys: readonly string[], maxBytes: number): Promise<Map<string, Buffer>> {
  if (keys.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ key: string; tail: Uint8Array }>>`
    SELECT "key", substring("bytes" FROM greatest(1, length("bytes") - ${maxBytes}::int + 1)) AS "tail"
    FROM "StoredBlob" WHERE "key" = ANY(${[...keys]}::text[])`;
  return new Map(rows.map((r) => [r.key, Buffer.from(r.tail)]));
}
