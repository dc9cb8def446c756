// The history of a test: every client operation's invocation and completion,
// in the order the controller observed them. This is the artifact checkers
// read and students download; its JSON shape is documented in the README
// ("History format") and must only grow compatibly.

export type EventType = "invoke" | "ok" | "fail" | "info";

export interface HistoryEvent {
  /** Position in the history, from 0. */
  index: number;
  type: EventType;
  /** Client process number (client id c<process+1>). */
  process: number;
  /** Operation name: echo, read, write, cas, broadcast, add, send, poll, ... */
  f: string;
  /** Invocation: the requested value; completion: the observed value. */
  value: unknown;
  /** Microseconds since the start of the test's main phase. */
  timeUs: number;
  /** The node the request was sent to. */
  node: string;
  /** "final" for the operations after the recovery wait (e.g. final reads); absent in the main phase. */
  phase?: "final";
  /** On fail/info: the Maelstrom error code and text, or a timeout. */
  error?: { code: number; text: string };
}

export interface History {
  events: HistoryEvent[];
}

/** Maelstrom's definite error codes: the operation certainly did not happen. */
const DEFINITE_ERROR_CODES = new Set([1, 10, 11, 12, 14, 20, 21, 22, 30]);

/** Whether a Maelstrom error code makes an operation `fail` (definite) or `info` (may have happened). */
export function completionTypeForError(code: number): "fail" | "info" {
  return DEFINITE_ERROR_CODES.has(code) ? "fail" : "info";
}

export interface Operation {
  process: number;
  f: string;
  invoke: HistoryEvent;
  completion?: HistoryEvent;
}

/** Pairs each invocation with its completion (the next event of the same process). */
export function pairOperations(events: readonly HistoryEvent[]): Operation[] {
  const open = new Map<number, Operation>();
  const ops: Operation[] = [];
  for (const event of events) {
    if (event.type === "invoke") {
      const op: Operation = { process: event.process, f: event.f, invoke: event };
      open.set(event.process, op);
      ops.push(op);
    } else {
      const op = open.get(event.process);
      if (op) {
        op.completion = event;
        open.delete(event.process);
      }
    }
  }
  return ops;
}
