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

/** The unit a size of `total` bytes reads best in: B below 1 KiB, KiB below 1 MiB, else MiB. */
function unitFor(total: number): { name: string; bytes: number; digits: number } {
  if (total < 1024) return { name: "B", bytes: 1, digits: 0 };
  if (total < 1024 * 1024) return { name: "KiB", bytes: 1024, digits: 1 };
  return { name: "MiB", bytes: 1024 * 1024, digits: 1 };
}

/** A size as a person reads it: `812 B`, `3.4 KiB`, `2.9 MiB`. */
export function formatSize(bytes: number): string {
  const unit = unitFor(bytes);
  return `${(bytes / unit.bytes).toFixed(unit.digits)} ${unit.name}`;
}

/** `[#########-----------]  45%  1.3 of 2.9 MiB`, in the unit the total reads best in (never "0.0 of 0.0 MiB"). */
export function progressBar(sent: number, total: number, width = 30): string {
  const share = total === 0 ? 1 : Math.min(1, sent / total);
  const filled = Math.round(share * width);
  const unit = unitFor(total);
  const amount = (bytes: number) => (bytes / unit.bytes).toFixed(unit.digits);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${amount(Math.min(sent, total))} of ${amount(total)} ${unit.name}`;
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
