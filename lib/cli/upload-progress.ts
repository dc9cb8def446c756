// An upload's progress on a terminal (one bar redrawn in place) or in a log
// (a line at each quarter), and the request body that tells it how far the
// connection has got.
const UPLOAD_CHUNK_BYTES = 64 * 1024;

/** The bytes as a request body handed over a chunk at a time, telling `onProgress` how many the connection has taken so far. */
export function countingStream(bytes: Buffer, onProgress: (sent: number) => void): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent > 0) onProgress(sent);
        if (sent >= bytes.length) return controller.close();
        const end = Math.min(sent + UPLOAD_CHUNK_BYTES, bytes.length);
        controller.enqueue(new Uint8Array(bytes.subarray(sent, end)));
        sent = end;
      },
    },
    // Pulled only when the connection wants more: the count follows the upload.
    { highWaterMark: 0 },
  );
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `[#########-----------]  45%  1.3 of 2.9 MiB` */
export function progressBar(sent: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, sent / total);
  const filled = Math.round(share * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${(sent / 1024 / 1024).toFixed(1)} of ${mib(total)}`;
}

/**
 * Shows the upload's progress on stderr: one bar redrawn in place on a
 * terminal, otherwise (a log, a CI job) a line at each quarter.
 */
export function uploadProgress(total: number, out: NodeJS.WriteStream = process.stderr): { update: (sent: number) => void; end: () => void } {
  let shownQuarter = 0;
  let lastDrawn = 0;
  const update = (sent: number) => {
    if (out.isTTY) {
      const now = Date.now();
      if (now - lastDrawn < 100 && sent < total) return;
      lastDrawn = now;
      out.write(`\r${progressBar(sent, total)}`);
      return;
    }
    const quarter = Math.floor((4 * sent) / Math.max(total, 1));
    if (quarter > shownQuarter) {
      shownQuarter = quarter;
      out.write(`${progressBar(sent, total)}\n`);
    }
  };
  return {
    update,
    /** Ends the bar's line on a terminal (after the last update, or before an error is printed). */
    end: () => {
      if (out.isTTY && lastDrawn > 0) out.write("\n");
    },
  };
}
