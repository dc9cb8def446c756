// The journal file (spec.ts JOURNAL_FILE): each agent's message journal, asked
// for once the test is over, written as the agent sent it, part by part. The
// agent is not trusted (the node's program could speak for it), so the file
// is bounded here too: past MAX_JOURNAL_FILE_BYTES nothing more is written but
// a `missing` line per node saying its journal was cut. What a line holds is
// checked again when the runner reads it (lib/reports/message-journal.ts).
import { closeSync, openSync, writeSync } from "node:fs";
import type { ControllerFrame } from "../agent/wire.js";
import type { NodeLink } from "./links.js";
import { sleep } from "./links.js";
import { MAX_JOURNAL_FILE_BYTES, type JournalFileLine } from "./spec.js";

/** How long one agent may take to send its whole journal. */
const JOURNAL_TIMEOUT_MS = 5_000;
/** Room kept past the bound for the lines that say a journal was cut. */
const CUT_NOTE_BYTES = 200;

export class JournalFile {
  private readonly fd: number;
  private bytes = 0;
  private full = false;

  constructor(path: string, private readonly maxBytes = MAX_JOURNAL_FILE_BYTES) {
    this.fd = openSync(path, "w", 0o644);
  }

  /** Writes the line if it fits; false once the file is full. */
  write(line: JournalFileLine): boolean {
    if (this.full) return false;
    const text = JSON.stringify(line) + "\n";
    if (this.bytes + text.length > this.maxBytes - CUT_NOTE_BYTES) {
      this.full = true;
      return false;
    }
    writeSync(this.fd, text);
    this.bytes += text.length;
    return true;
  }

  /** A node's journal was cut or not sent: always written (the bound keeps room for these). */
  note(node: string, missing: string): void {
    const text = JSON.stringify({ node, missing } satisfies JournalFileLine) + "\n";
    writeSync(this.fd, text);
    this.bytes += text.length;
  }

  /** Asks one agent for its journal and writes it; resolves when its end came, or on timeout. */
  async collect(link: NodeLink): Promise<void> {
    let cut = false;
    const ended = new Promise<boolean>((resolve) => {
      link.journalSink = (frame) => {
        if (frame.kind === "journalEnd") {
          if (!cut) this.write({ node: link.id, tail: frame.tail });
          resolve(true);
        } else if (!cut && Array.isArray(frame.entries) && !this.write({ node: link.id, entries: frame.entries })) {
          cut = true;
        }
      };
      link.socket.write(JSON.stringify({ kind: "journal" } satisfies ControllerFrame) + "\n");
    });
    const done = await Promise.race([ended, sleep(JOURNAL_TIMEOUT_MS).then(() => false)]);
    link.journalSink = undefined;
    if (cut) this.note(link.id, `the journal file reached its ${MAX_JOURNAL_FILE_BYTES / 1024 / 1024} MiB limit; the rest of this node's journal was not kept`);
    else if (!done) this.note(link.id, `the node's agent did not send its whole journal within ${JOURNAL_TIMEOUT_MS / 1000} s`);
  }

  close(): void {
    closeSync(this.fd);
  }
}
