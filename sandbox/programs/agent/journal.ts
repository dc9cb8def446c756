// The message journal: every envelope the agent carried for its node, as the
// agent saw it on the wire (sent on the program's behalf, or received and
// passed to the program), never what the program says about it. Only the
// envelope's header is kept (time, direction, src, dest, type, msg_id,
// in_reply_to, size), never the body, and only up to a cap of entries and of
// bytes: past it entries are counted, not kept, and the time of the first one
// dropped says where the journal stops being whole (a report must not call a
// message lost that was only never written down).
//
// Times are the host's clock (Date.now()): every container of a cluster runs
// on one host and one kernel clock, so the agents' times, the runner's fault
// timeline and the controller's ready line are on one time axis.

/** Most entries one node's journal keeps. */
export const JOURNAL_MAX_ENTRIES = 20_000;
/** Most bytes of entries (as JSON) one node's journal keeps. */
export const JOURNAL_MAX_BYTES = 1024 * 1024;
/** Entries per frame when the journal is sent to the controller, so no frame nears MAX_FRAME_BYTES. */
export const JOURNAL_ENTRIES_PER_FRAME = 2_000;
/** Longest type or node name kept; a program picks its types, so they are cut. */
export const JOURNAL_MAX_NAME = 64;

/** 0: the agent sent it for its node; 1: the agent received it for its node. */
export type JournalDirection = 0 | 1;

/** [wall ms, direction, src, dest, type, msg_id or null, in_reply_to or null, size in bytes]. */
export type JournalEntry = [number, JournalDirection, string, string, string, number | null, number | null, number];

export interface JournalHeader {
  src: string;
  dest: string;
  body: { type: string; msg_id?: unknown; in_reply_to?: unknown };
}

/** What is sent after the entries: how much was not kept, and from when. */
export interface JournalTail {
  /** Wall ms when this agent began its journal: a node killed and restarted has a new agent, whose journal starts then. */
  startedAtMs: number;
  dropped: number;
  droppedBytes: number;
  /** Wall ms of the first entry not kept (the journal is whole before it), or null. */
  firstDroppedAtMs: number | null;
}

const idOrNull = (v: unknown): number | null => (typeof v === "number" && Number.isSafeInteger(v) ? v : null);

export class MessageJournal {
  private readonly entries: JournalEntry[] = [];
  private bytes = 0;
  private dropped = 0;
  private droppedBytes = 0;
  private firstDroppedAtMs: number | null = null;
  private readonly startedAtMs: number;

  constructor(
    private readonly maxEntries = JOURNAL_MAX_ENTRIES,
    private readonly maxBytes = JOURNAL_MAX_BYTES,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAtMs = now();
  }

  record(direction: JournalDirection, envelope: JournalHeader, size: number): void {
    const at = this.now();
    const entry: JournalEntry = [
      at,
      direction,
      envelope.src.slice(0, JOURNAL_MAX_NAME),
      envelope.dest.slice(0, JOURNAL_MAX_NAME),
      envelope.body.type.slice(0, JOURNAL_MAX_NAME),
      idOrNull(envelope.body.msg_id),
      idOrNull(envelope.body.in_reply_to),
      size,
    ];
    const entryBytes = JSON.stringify(entry).length + 1;
    if (this.entries.length >= this.maxEntries || this.bytes + entryBytes > this.maxBytes) {
      this.dropped++;
      this.droppedBytes += entryBytes;
      this.firstDroppedAtMs ??= at;
      return;
    }
    this.entries.push(entry);
    this.bytes += entryBytes;
  }

  /** The kept entries in frames of at most `perFrame`, in order. */
  parts(perFrame = JOURNAL_ENTRIES_PER_FRAME): JournalEntry[][] {
    const parts: JournalEntry[][] = [];
    for (let i = 0; i < this.entries.length; i += perFrame) parts.push(this.entries.slice(i, i + perFrame));
    return parts;
  }

  tail(): JournalTail {
    return { startedAtMs: this.startedAtMs, dropped: this.dropped, droppedBytes: this.droppedBytes, firstDroppedAtMs: this.firstDroppedAtMs };
  }

  get size(): number {
    return this.entries.length;
  }
}
