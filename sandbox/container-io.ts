// Reading what a container printed, through the Docker API only (works against
// a remote engine). Non-TTY logs come multiplexed: an 8-byte header per frame
// (stream type, 3 zero bytes, big-endian length), then the payload.
import type Docker from "dockerode";

export interface ContainerOutput {
  stdout: string;
  stderr: string;
}

export function demultiplex(buffer: Buffer): ContainerOutput {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const stream = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    (stream === 2 ? err : out).push(payload);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export async function readOutput(container: Docker.Container): Promise<ContainerOutput> {
  const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
  return demultiplex(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
}

/**
 * Keeps the first and last halves of `maxBytes` of a text, marking the cut:
 * the start of a log shows the first error, its end shows how it died.
 */
export function truncateMiddle(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text) <= maxBytes) return { text, truncated: false };
  const buf = Buffer.from(text);
  const half = Math.floor(maxBytes / 2);
  const cut = buf.length - 2 * half;
  return {
    text: `${buf.subarray(0, half).toString("utf8")}\n[... ${cut} bytes cut ...]\n${buf.subarray(buf.length - half).toString("utf8")}`,
    truncated: true,
  };
}

/** Waits for a container to stop, or until the signal aborts. Returns undefined on abort. */
export async function waitForExit(container: Docker.Container, signal: AbortSignal): Promise<{ StatusCode: number } | undefined> {
  if (signal.aborted) return undefined;
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    container.wait().then(
      (result: { StatusCode: number }) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}
