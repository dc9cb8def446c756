// The tester's snapshot: what the course's 3D applier hands Raft's Snapshot()
// every 10 applied entries (its last included index and the commands 0..index
// it applied), so a peer that installs a snapshot, or restarts from one, can
// be checked as if it had applied every entry. Raft treats it as opaque bytes;
// ours is JSON (base64 on the control port), marked so we recognise our own.
// The course encodes the same two things with labgob.

/** The state a tester snapshot holds. */
export interface TesterSnapshot {
  /** The index of the last entry it includes. */
  lastIncludedIndex: number;
  /** The commands at indexes 0..lastIncludedIndex (index 0 holds null, as the course's xlog[0]). */
  log: unknown[];
}

const MARK = "labgrade-raft-tester-snapshot/1";

/** The snapshot as base64 (Contract 2's `snapshot` field). */
export function encodeSnapshot(snapshot: TesterSnapshot): string {
  return Buffer.from(JSON.stringify({ format: MARK, lastIncludedIndex: snapshot.lastIncludedIndex, log: snapshot.log })).toString("base64");
}

/** A snapshot back from base64, or null when it is not one the tester made (Raft handed back other bytes). */
export function decodeSnapshot(base64: string): TesterSnapshot | null {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const v = value as { format?: unknown; lastIncludedIndex?: unknown; log?: unknown };
  if (v.format !== MARK || !Number.isInteger(v.lastIncludedIndex) || !Array.isArray(v.log)) return null;
  const lastIncludedIndex = v.lastIncludedIndex as number;
  if (lastIncludedIndex < 0 || v.log.length !== lastIncludedIndex + 1) return null;
  return { lastIncludedIndex, log: v.log };
}
