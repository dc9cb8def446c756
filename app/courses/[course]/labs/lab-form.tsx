"use client";
// The lab form staff create and edit labs with; works without JavaScript too.
import { useActionState } from "react";
import { MAX_LAB_ARCHIVE_BYTES } from "@/lib/labs/archive-size";
import { IDLE, type ActionState } from "../../../action-state";
import { FormMessage } from "../../../form-message";
import { saveLabAction } from "./lab-actions";

export interface LabFormValues {
  title: string;
  description: string;
  workload: string;
  toolchain: string;
  buildCommand: string;
  runCommand: string;
  /** "YYYY-MM-DDTHH:MM" in UTC, or "". */
  opensAt: string;
  dueAt: string;
  resultsReleasedAt: string;
  latePolicy: string;
  latePenaltyPercent: string;
  submissionLimit: string;
  submissionWindowHours: string;
  maxArchiveMegabytes: string;
  published: boolean;
  leaderboardVisible: boolean;
  /** Names of TIE_BREAKERS, or "" for none. */
  tieBreaker1: string;
  tieBreaker2: string;
  leaderboardFreezeAtDue: boolean;
}

interface Props {
  courseSlug: string;
  /** null: a new lab (the form asks for its short name). */
  labSlug: string | null;
  values: LabFormValues;
  workloads: string[];
  toolchains: Array<{ name: string; label: string; buildCommand: string; runCommand: string }>;
  tieBreakers: Array<{ name: string; label: string }>;
}

/** A select's options from named, labelled choices. */
const options = (choices: ReadonlyArray<{ name: string; label: string }>) =>
  choices.map((c) => (
    <option key={c.name} value={c.name}>
      {c.label}
    </option>
  ));

export function LabForm({ courseSlug, labSlug, values, workloads, toolchains, tieBreakers }: Props) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(saveLabAction, IDLE);
  const field = (id: string, label: string, input: React.ReactNode, hint?: string) => (
    <>
      <label htmlFor={id}>{label}</label>
      {input}
      {hint && <p className="field-hint muted">{hint}</p>}
    </>
  );
  return (
    <form action={formAction} className="form form-wide" data-testid="lab-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="mode" value={labSlug === null ? "create" : "edit"} />
      {labSlug === null
        ? field("lab-slug", "Short name", <input id="lab-slug" name="labSlug" type="text" required pattern="[a-z0-9][a-z0-9\-]{0,62}" placeholder="raft-2a" />, "In the lab's address; lowercase letters, digits and dashes. It cannot change later.")
        : <input type="hidden" name="labSlug" value={labSlug} />}
      {field("lab-title", "Title", <input id="lab-title" name="title" type="text" required maxLength={200} defaultValue={values.title} />)}
      {field("lab-description", "Description (Markdown)", <textarea id="lab-description" name="description" rows={10} defaultValue={values.description} />)}
      <div className="form-row">
        <div>
          {field(
            "lab-workload",
            "Workload",
            <select id="lab-workload" name="workload" defaultValue={values.workload}>
              {options(workloads.map((w) => ({ name: w, label: w })))}
            </select>,
          )}
        </div>
        <div>
          {field(
            "lab-toolchain",
            "Toolchain",
            <select id="lab-toolchain" name="toolchain" defaultValue={values.toolchain}>
              {options(toolchains)}
            </select>,
          )}
        </div>
      </div>
      {field("lab-build", "Build command (empty: the toolchain's)", <input id="lab-build" name="buildCommand" type="text" maxLength={500} defaultValue={values.buildCommand} placeholder={toolchains.map((t) => `${t.name}: ${t.buildCommand}`).join(" · ")} />)}
      {field("lab-run", "Run command (empty: the toolchain's)", <input id="lab-run" name="runCommand" type="text" maxLength={500} defaultValue={values.runCommand} placeholder={toolchains.map((t) => `${t.name}: ${t.runCommand}`).join(" · ")} />)}
      <div className="form-row">
        <div>{field("lab-opens", "Opens (UTC, optional)", <input id="lab-opens" name="opensAt" type="datetime-local" defaultValue={values.opensAt} />)}</div>
        <div>{field("lab-due", "Due (UTC, optional)", <input id="lab-due" name="dueAt" type="datetime-local" defaultValue={values.dueAt} />)}</div>
        <div>
          {field(
            "lab-release",
            "Release all results (UTC, optional: hidden tests stay hidden until then)",
            <input id="lab-release" name="resultsReleasedAt" type="datetime-local" defaultValue={values.resultsReleasedAt} />,
          )}
        </div>
      </div>
      <div className="form-row">
        <div>
          {field(
            "lab-late",
            "Late work",
            <select id="lab-late" name="latePolicy" defaultValue={values.latePolicy}>
              <option value="ACCEPT">accepted, marked late</option>
              <option value="PENALTY_PER_DAY">accepted with a penalty per day</option>
              <option value="REFUSE">refused</option>
            </select>,
          )}
        </div>
        <div>{field("lab-penalty", "Penalty per started day (%)", <input id="lab-penalty" name="latePenaltyPercent" type="number" min={0} max={100} step="any" defaultValue={values.latePenaltyPercent} />)}</div>
      </div>
      <div className="form-row">
        <div>{field("lab-limit", "Submissions allowed (empty: no limit)", <input id="lab-limit" name="submissionLimit" type="number" min={1} step={1} defaultValue={values.submissionLimit} />)}</div>
        <div>{field("lab-window", "… per hours (empty: in total)", <input id="lab-window" name="submissionWindowHours" type="number" min={0} step="any" defaultValue={values.submissionWindowHours} />)}</div>
        <div>{field("lab-archive", "Largest upload (MB)", <input id="lab-archive" name="maxArchiveMegabytes" type="number" min={0} max={MAX_LAB_ARCHIVE_BYTES / 1024 / 1024} step="any" defaultValue={values.maxArchiveMegabytes} />)}</div>
      </div>
      <label className="checkbox">
        <input name="published" type="checkbox" defaultChecked={values.published} /> Published (students see it)
      </label>
      <label className="checkbox">
        <input name="leaderboardVisible" type="checkbox" defaultChecked={values.leaderboardVisible} /> Leaderboard visible to students
      </label>
      <div className="form-row">
        {(["tieBreaker1", "tieBreaker2"] as const).map((name, i) => (
          <div key={name}>
            {field(
              `lab-${name}`,
              i === 0 ? "Leaderboard ties broken by" : "… then by",
              <select id={`lab-${name}`} name={name} defaultValue={values[name]}>
                <option value="">(nothing: earlier submission first)</option>
                {options(tieBreakers)}
              </select>,
            )}
          </div>
        ))}
      </div>
      <label className="checkbox">
        <input name="leaderboardFreezeAtDue" type="checkbox" defaultChecked={values.leaderboardFreezeAtDue} /> Freeze the leaderboard at the due date
      </label>
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Saving…" : labSlug === null ? "Create lab" : "Save lab"}
      </button>
    </form>
  );
}
