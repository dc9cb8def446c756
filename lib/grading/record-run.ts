// What a test run leaves behind, and where: the TestResult row and its
// artifacts under attempts/<attempt>/<test>/<repetition>/ — the history
// (format labgrade-history/1, README "History format"; left out past 32 MiB),
// the result document (README "Results format"), the plot data, each
// node's log and the controller's, and in Maelstrom mode the message journal
// (messages.jsonl, lib/reports/message-journal.ts).
import { putBlob } from "../blobs.js";
import type { Evidence } from "../checkers/evidence.js";
import { RESULT_FORMAT, type ResultDocument } from "../checkers/types.js";
import type { Db } from "../db.js";
import type { HistoryEvent } from "../history.js";
import { focusOperations, JOURNAL_ARTIFACT, serializeJournal, type MessageJournal } from "../reports/message-journal.js";
import { plotData, type FaultTimelineEntry } from "../reports/plot-data.js";
import { isRaftTest, type TestSpec } from "../suites/schema.js";
import type { Verdict } from "./verdict.js";

export const HISTORY_FORMAT = "labgrade-history/1";

/** Largest history stored as an artifact. */
export const MAX_HISTORY_BYTES = 32 * 1024 * 1024;

/** One test run, judged, as it is to be kept. */
export interface RunToRecord {
  test: TestSpec;
  seed: string;
  repetition: number;
  verdict: Verdict;
  reason: string;
  evidence: Evidence;
  metrics: ResultDocument["metrics"];
  events: readonly HistoryEvent[];
  /** The fault timeline (for the plot's bands). */
  faults: readonly FaultTimelineEntry[];
  /** Each node's log ("n0.log", ...) and the controller's, with whether it was cut. */
  logs: ReadonlyArray<{ name: string; text: string; truncated: boolean }>;
  /** Maelstrom mode: the agents' message journal (kept as messages.jsonl, with the operations the diagram highlights). */
  journal?: MessageJournal | null;
  durationMs: number;
}

export async function recordRun(db: Db, attemptId: string, run: RunToRecord): Promise<void> {
  const prefix = `attempts/${attemptId}/${run.test.name}/${run.repetition}`;
  const historyJson = Buffer.from(JSON.stringify({ format: HISTORY_FORMAT, seed: run.seed, test: run.test, events: run.events }));
  const results: ResultDocument = {
    format: RESULT_FORMAT,
    workload: run.test.workload,
    seed: run.seed,
    test: run.test.name,
    verdict: run.verdict,
    reason: run.reason,
    evidence: run.evidence,
    metrics: run.metrics,
  };
  const stored = [
    historyJson.length <= MAX_HISTORY_BYTES ? { kind: "HISTORY" as const, name: "history.json", bytes: historyJson, truncated: false } : undefined,
    { kind: "RESULTS" as const, name: "results.json", bytes: Buffer.from(JSON.stringify(results)), truncated: false },
    {
      kind: "PLOT_DATA" as const,
      name: "plot.json",
      bytes: Buffer.from(JSON.stringify(plotData(run.events, run.faults, isRaftTest(run.test) ? run.durationMs : run.test.durationSeconds * 1000, run.metrics.throughput))),
      truncated: false,
    },
    ...run.logs.map((l) => ({ kind: "NODE_LOG" as const, name: l.name, bytes: Buffer.from(l.text), truncated: l.truncated })),
    run.journal
      ? {
          kind: "MESSAGE_JOURNAL" as const,
          name: JOURNAL_ARTIFACT,
          bytes: serializeJournal({ ...run.journal, focus: focusOperations(run.events, run.evidence) }),
          truncated: run.journal.nodes.some((n) => n.wholeUntilMs !== null),
        }
      : undefined,
  ].filter((a) => a !== undefined);
  const blobs = await Promise.all(stored.map((a) => putBlob(db, `${prefix}/${a.name}`, a.bytes)));
  const points = run.verdict === "PASS" ? run.test.points / run.test.repetitions : 0;
  await db.testResult.create({
    data: {
      attemptId,
      testName: run.test.name,
      repetition: run.repetition,
      seed: run.seed,
      verdict: run.verdict,
      reason: run.reason,
      points,
      maxPoints: run.test.points / run.test.repetitions,
      visibility: run.test.visibility,
      durationMs: run.durationMs,
      metrics: run.metrics as object,
      evidence: run.evidence as object,
      artifacts: {
        create: stored.map((a, i) => ({
          attemptId,
          kind: a.kind,
          name: a.name,
          storageKey: blobs[i]!.key,
          sizeBytes: blobs[i]!.sizeBytes,
          sha256: blobs[i]!.sha256,
          truncated: a.truncated,
        })),
      },
    },
  });
}
