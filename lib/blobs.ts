// Archives and artifacts, stored in PostgreSQL (StoredBlob) so that every
// runner and web process reaching the database reaches the bytes. Keys are
// content-addressed for archives and path-like for artifacts.
import { createHash } from "node:crypto";
import type { Db } from "./db.js";

export function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export async function putBlob(db: Db, key: string, bytes: Buffer): Promise<{ key: string; sha256: string; sizeBytes: number }> {
  const digest = sha256(bytes);
  await db.storedBlob.upsert({
    where: { key },
    create: { key, bytes: new Uint8Array(bytes), sizeBytes: bytes.length, sha256: digest },
    update: {},
  });
  return { key, sha256: digest, sizeBytes: bytes.length };
}

export async function getBlobOrThrow(db: Db, key: string): Promise<Buffer> {
  const blob = await db.storedBlob.findUnique({ where: { key } });
  if (!blob) throw new Error(`stored blob ${key} is missing`);
  return Buffer.from(blob.bytes);
}
