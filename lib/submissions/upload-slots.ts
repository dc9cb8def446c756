// How many uploads a web process receives at once, in all and per person.
// While an upload is read and validated its bytes (up to the lab's limit) and
// its unpacked archive are in this process's memory, so these caps bound what
// uploads can make one process hold. A place is taken before the first byte
// of a body is read and given back when the submission is stored or refused,
// whichever way the request ends (also when the client goes away mid-body:
// reading fails, and the caller releases in `finally`).
import { config } from "../config.js";

/** No place to receive another upload now (HTTP 429 with Retry-After). */
export class UploadsBusyError extends Error {
  override name = "UploadsBusyError";
  readonly retryAfterSeconds = 5;
  constructor(
    readonly code: "uploads.too_many" | "uploads.busy",
    message: string,
  ) {
    super(message);
  }
}

export class UploadSlots {
  private readonly perUser = new Map<string, number>();
  private total = 0;

  constructor(
    readonly perPerson: number,
    readonly perProcess: number,
  ) {}

  /** Takes a place for `userId`'s upload; the returned function gives it back (once, however often called). */
  take(userId: string): () => void {
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= this.perPerson) {
      throw new UploadsBusyError("uploads.too_many", `you already have ${mine} uploads in progress, the most at once; wait for one to finish and try again`);
    }
    if (this.total >= this.perProcess) {
      throw new UploadsBusyError("uploads.busy", "the server is receiving as many uploads as it takes at once; try again in a few seconds");
    }
    this.perUser.set(userId, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perUser.get(userId) ?? 1) - 1;
      if (left > 0) this.perUser.set(userId, left);
      else this.perUser.delete(userId);
    };
  }
}

const globalForSlots = globalThis as unknown as { labgradeUploadSlots?: UploadSlots };

/** This process's places, sized by LABGRADE_UPLOADS_PER_USER and LABGRADE_UPLOADS_PER_PROCESS. */
export function uploadSlots(): UploadSlots {
  if (!globalForSlots.labgradeUploadSlots) {
    const cfg = config();
    globalForSlots.labgradeUploadSlots = new UploadSlots(cfg.LABGRADE_UPLOADS_PER_USER, cfg.LABGRADE_UPLOADS_PER_PROCESS);
  }
  return globalForSlots.labgradeUploadSlots;
}
