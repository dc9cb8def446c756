// The controller's record file (spec.ts): every line counted, the size
// bounded by MAX_RECORD_BYTES, and an end line that says how many came
// before it, so the runner can tell a whole record from a cut one.
import { closeSync, openSync, writeSync } from "node:fs";
import { MAX_RECORD_BYTES, type ControllerLine } from "./spec.js";

export class RecordFile {
  private fd: number;
  private lines = 0;
  private bytes = 0;
  /** Set once the record reached MAX_RECORD_BYTES: the test winds down. */
  full = false;

  constructor(path: string) {
    this.fd = openSync(path, "w", 0o644);
  }

  write(line: ControllerLine): void {
    if (this.full && !("done" in line || "fatal" in line || "violation" in line)) return;
    const text = JSON.stringify(line) + "\n";
    if (!this.full && this.bytes + text.length > MAX_RECORD_BYTES) {
      this.full = true;
      this.write({ violation: { limit: "record_size", detail: `the test's record grew past ${MAX_RECORD_BYTES / 1024 / 1024} MiB (replies too large or too many); the test was stopped` } });
      return;
    }
    writeSync(this.fd, text);
    this.lines++;
    this.bytes += text.length;
  }

  close(): void {
    writeSync(this.fd, JSON.stringify({ end: { lines: this.lines } } satisfies ControllerLine) + "\n");
    closeSync(this.fd);
  }
}

