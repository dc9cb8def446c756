// An archive still on its way: the body of a request, read only when the
// submission has passed every check that needs no bytes (membership, opening,
// deadline, limits, a place to upload), and then no further than the lab's
// limit. A declared Content-Length over the limit is believed at once; a
// chunked body is refused the moment it grows past the limit.
import { formatMiB } from "../labs/archive-size.js";
import { StudentError } from "../errors.js";
import type { UploadSlots } from "./upload-slots.js";

/** The upload is larger than the lab accepts (HTTP 413). */
export class ArchiveTooLargeError extends StudentError {
  constructor(readonly maxBytes: number) {
    super("archive.too_large", `the archive is larger than this lab's limit of ${formatMiB(maxBytes)}`);
  }
}

export interface UploadSource {
  /** The length the sender declared (Content-Length), or null (chunked). */
  declaredBytes: number | null;
  /** The whole body, or null as soon as it proves longer than `maxBytes` (reading stops there). */
  readUpTo(maxBytes: number): Promise<Buffer | null>;
}

/**
 * The stream's bytes, or null once they exceed `maxBytes`: then the stream is
 * cancelled and nothing more is read or kept.
 */
async function readStreamUpTo(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Buffer | null> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return Buffer.concat(chunks, length);
    length += value.length;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
}

/** A request's body as an upload (its Content-Length, if any, is what it declares). */
export function requestUpload(request: Request): UploadSource {
  const header = request.headers.get("content-length");
  const declared = header !== null && /^\d{1,15}$/.test(header) ? Number(header) : null;
  return {
    declaredBytes: declared,
    readUpTo: (maxBytes) => (declared !== null && declared > maxBytes ? Promise.resolve(null) : readStreamUpTo(request.body, maxBytes)),
  };
}

/** The archive's bytes from `source`, no more than `maxBytes` of them; ArchiveTooLargeError past that. */
async function readUpload(source: UploadSource, maxBytes: number): Promise<Buffer> {
  if (source.declaredBytes !== null && source.declaredBytes > maxBytes) throw new ArchiveTooLargeError(maxBytes);
  const bytes = await source.readUpTo(maxBytes);
  if (bytes === null) throw new ArchiveTooLargeError(maxBytes);
  if (bytes.length === 0) throw new StudentError("archive.missing", "send the archive (.tar.gz or .tar) as the request body");
  return bytes;
}

/**
 * Runs `store` on the archive's bytes (read from `upload` up to `maxBytes`, or
 * given), holding one of `slots`'s places for `userId` from before the first
 * byte is read until `store` has finished, whichever way it ends.
 */
export async function withUpload<T>(
  upload: Buffer | UploadSource,
  opts: { maxBytes: number; userId: string; slots?: UploadSlots },
  store: (bytes: Buffer) => Promise<T>,
): Promise<T> {
  const release = opts.slots?.take(opts.userId);
  try {
    return await store(Buffer.isBuffer(upload) ? upload : await readUpload(upload, opts.maxBytes));
  } finally {
    release?.();
  }
}
