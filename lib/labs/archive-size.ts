// How large a lab's uploads may be. The lab form offers at most
// MAX_LAB_ARCHIVE_BYTES, and every upload path (the web form's route and the
// API) reads a body no further than its own lab's limit, so what a lab
// promises is what a student can send, and nobody can make a web process
// hold more than that. Pure: the browser's submit form uses it too.

const MiB = 1024 * 1024;

/** The largest archive limit a lab may set (its form's maximum), in bytes. */
export const MAX_LAB_ARCHIVE_BYTES = 50 * MiB;

/** A size in MiB as people read it: "10 MiB", "2.5 MiB". */
export function formatMiB(bytes: number): string {
  return `${Number((bytes / MiB).toFixed(2))} MiB`;
}
