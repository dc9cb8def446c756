// A run's message journal as its report shows it: read through the viewer's
// access (the artifact is reached only through a result they may see), with
// the run's fault bands, the messages paired and the lost ones tied to faults.
import type { Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { journalMessages, parseJournal, type JournalMessage, type MessageJournal } from "./message-journal.js";
import { faultBands, type FaultBand, type FaultTimelineEntry } from "./plot-data.js";
import { getArtifactForViewerOrThrow } from "./run-report.js";

/** Larger journals are offered as a download only (parsing them on every view would cost too much). */
export const MAX_DRAWN_JOURNAL_BYTES = 24 * 1024 * 1024;

export interface JournalView {
  journal: MessageJournal;
  messages: JournalMessage[];
  bands: FaultBand[];
  nodeIds: string[];
}

export async function getJournalViewOrThrow(db: Db, actor: Actor, submissionId: string, artifactId: string, faults: readonly FaultTimelineEntry[]): Promise<JournalView | null> {
  const { artifact, bytes } = await getArtifactForViewerOrThrow(db, actor, submissionId, artifactId);
  if (artifact.kind !== "MESSAGE_JOURNAL" || bytes.length > MAX_DRAWN_JOURNAL_BYTES) return null;
  const journal = parseJournal(bytes.toString("utf8"));
  // Faults still active end with the main phase: its heal-all, else the journal's last moment.
  const healAll = faults.find((f) => f.kind === "heal-all");
  const end = healAll ? healAll.atMs : journal.entries.reduce((max, e) => Math.max(max, e.t), 0);
  const bands = faultBands(faults, end);
  return { journal, messages: journalMessages(journal, bands), bands, nodeIds: journal.nodes.map((n) => n.node) };
}
