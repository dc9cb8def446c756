"use client";
// The lab form staff create and edit labs with; works without JavaScript too.
import { useActionState } from "react";
import { MAX_LAB_ARCHIVE_BYTES } from "@/lib/labs/archive-size";
import { IDLE, type ActionState } from "../../../action-state";
import { NativeToldFacts, type NativeTold } from "./native-told";
import { FormMessage } from "../../../form-message";
import { FieldProblem, fieldAria, typed, typedChecked } from "../../../form-fields";
import { saveLabAction } from "./lab-actions";

export interface LabFormValues {
  title: string;
  description: string;
  workload: string;
  toolchain: string;
  /** "MAELSTROM" or "NATIVE". */
  protocol: string;
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
  /** What a native-mode program is told (lib/labs/manage-labs.ts, NATIVE_PROGRAM_TOLD). */
  nativeTold: NativeTold;
}

/** A select's options from named, labelled choices. */
const options = (choices: ReadonlyArray<{ name: string; label: string }>) =>
  choices.map((c) => (
    <option key={c.name} value={c.name}>
      {c.label}
    </option>
  ));

export function LabForm({ courseSlug, labSlug, values, workloads, toolchains, tieBreakers, nativeTold }: Props) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(saveLabAction, IDLE);
  // Each field's problem under it, the input marked invalid and described by it (and by its hint).
  const field = (id: string, name: string, label: string, input: (aria: ReturnType<typeof fieldAria>) => React.ReactNode, hint?: string) => (
    <>
      <label htmlFor={id}>{label}</label>
      {input(fieldAria(state, name, id, hint ? `${id}-hint` : undefined))}
      <FieldProblem state={state} name={name} id={id} />
      {hint && (
        <p className="field-hint muted" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </>
  );
  const text = (name: keyof LabFormValues) => typed(state, name, String(values[name]));
  const checkbox = (name: "published" | "leaderboardVisible" | "leaderboardFreezeAtDue", label: string) => (
    <>
      <label className="checkbox">
        <input id={`lab-${name}`} name={name} type="checkbox" defaultChecked={typedChecked(state, name, values[name])} {...fieldAria(state, name, `lab-${name}`)} /> {label}
      </label>
      <FieldProblem state={state} name={name} id={`lab-${name}`} />
    </>
  );
  return (
    // A refused form is drawn afresh with what was typed (its key changes), so nothing typed is lost.
    <form key={JSON.stringify(state.values ?? null)} action={formAction} className="form form-wide" data-testid="lab-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="mode" value={labSlug === null ? "create" : "edit"} />
      {labSlug === null
        ? field(
            "lab-slug",
            "labSlug",
            "Short name",
            (aria) => <input id="lab-slug" name="labSlug" type="text" required pattern="[a-z0-9][a-z0-9\-]{0,62}" placeholder="raft-2a" defaultValue={typed(state, "labSlug", "")} {...aria} />,
            "In the lab's address; lowercase letters, digits and dashes. It cannot change later.",
          )
        : <input type="hidden" name="labSlug" value={labSlug} />}
      {field("lab-title", "title", "Title", (aria) => <input id="lab-title" name="title" type="text" required maxLength={200} defaultValue={text("title")} {...aria} />)}
      {field("lab-description", "description", "Description (Markdown)", (aria) => <textarea id="lab-description" name="description" rows={10} defaultValue={text("description")} {...aria} />)}
      <div className="form-row">
        <div>
          {field("lab-workload", "workload", "Workload", (aria) => (
            <select id="lab-workload" name="workload" defaultValue={text("workload")} {...aria}>
              {options(workloads.map((w) => ({ name: w, label: w })))}
            </select>
          ))}
        </div>
        <div>
          {field("lab-toolchain", "toolchain", "Toolchain", (aria) => (
            <select id="lab-toolchain" name="toolchain" defaultValue={text("toolchain")} {...aria}>
              {options(toolchains)}
            </select>
          ))}
        </div>
        <div>
          {field(
            "lab-protocol",
            "protocol",
            "Protocol",
            (aria) => (
              <select id="lab-protocol" name="protocol" defaultValue={text("protocol")} {...aria}>
                <option value="MAELSTROM">Maelstrom (stdin/stdout, through our agent)</option>
                <option value="NATIVE">Native (the program brings its own transport)</option>
              </select>
            ),
            "Maelstrom: the program reads and writes Maelstrom envelopes, one per line, on stdin/stdout. Native: see below.",
          )}
        </div>
      </div>
      <details className="native-told" data-testid="native-told">
        <summary>What a native program is told and must do</summary>
        <p>It starts with these environment variables and serves its peers and clients itself; faults act on the real network between nodes.</p>
        <NativeToldFacts told={nativeTold} />
      </details>
      {field("lab-build", "buildCommand", "Build command (empty: the toolchain's)", (aria) => (
        <input id="lab-build" name="buildCommand" type="text" maxLength={500} defaultValue={text("buildCommand")} placeholder={toolchains.map((t) => `${t.name}: ${t.buildCommand}`).join(" · ")} {...aria} />
      ))}
      {field("lab-run", "runCommand", "Run command (empty: the toolchain's)", (aria) => (
        <input id="lab-run" name="runCommand" type="text" maxLength={500} defaultValue={text("runCommand")} placeholder={toolchains.map((t) => `${t.name}: ${t.runCommand}`).join(" · ")} {...aria} />
      ))}
      <div className="form-row">
        <div>{field("lab-opens", "opensAt", "Opens (UTC, optional)", (aria) => <input id="lab-opens" name="opensAt" type="datetime-local" defaultValue={text("opensAt")} {...aria} />)}</div>
        <div>{field("lab-due", "dueAt", "Due (UTC, optional)", (aria) => <input id="lab-due" name="dueAt" type="datetime-local" defaultValue={text("dueAt")} {...aria} />)}</div>
        <div>
          {field("lab-release", "resultsReleasedAt", "Release all results (UTC, optional: hidden tests stay hidden until then)", (aria) => (
            <input id="lab-release" name="resultsReleasedAt" type="datetime-local" defaultValue={text("resultsReleasedAt")} {...aria} />
          ))}
        </div>
      </div>
      <div className="form-row">
        <div>
          {field("lab-late", "latePolicy", "Late work", (aria) => (
            <select id="lab-late" name="latePolicy" defaultValue={text("latePolicy")} {...aria}>
              <option value="ACCEPT">accepted, marked late</option>
              <option value="PENALTY_PER_DAY">accepted with a penalty per day</option>
              <option value="REFUSE">refused</option>
            </select>
          ))}
        </div>
        <div>
          {field("lab-penalty", "latePenaltyPercent", "Penalty per started day (%)", (aria) => (
            <input id="lab-penalty" name="latePenaltyPercent" type="number" min={0} max={100} step="any" defaultValue={text("latePenaltyPercent")} {...aria} />
          ))}
        </div>
      </div>
      <div className="form-row">
        <div>
          {field("lab-limit", "submissionLimit", "Submissions allowed (empty: no limit)", (aria) => (
            <input id="lab-limit" name="submissionLimit" type="number" min={1} step={1} defaultValue={text("submissionLimit")} {...aria} />
          ))}
        </div>
        <div>
          {field("lab-window", "submissionWindowHours", "… per hours (empty: in total)", (aria) => (
            <input id="lab-window" name="submissionWindowHours" type="number" min={0} step="any" defaultValue={text("submissionWindowHours")} {...aria} />
          ))}
        </div>
        <div>
          {field("lab-archive", "maxArchiveMegabytes", "Largest upload (MB)", (aria) => (
            <input id="lab-archive" name="maxArchiveMegabytes" type="number" min={0} max={MAX_LAB_ARCHIVE_BYTES / 1024 / 1024} step="any" defaultValue={text("maxArchiveMegabytes")} {...aria} />
          ))}
        </div>
      </div>
      {checkbox("published", "Published (students see it)")}
      {checkbox("leaderboardVisible", "Leaderboard visible to students")}
      <div className="form-row">
        {(["tieBreaker1", "tieBreaker2"] as const).map((name, i) => (
          <div key={name}>
            {field(`lab-${name}`, name, i === 0 ? "Leaderboard ties broken by" : "… then by", (aria) => (
              <select id={`lab-${name}`} name={name} defaultValue={text(name)} {...aria}>
                <option value="">(nothing: earlier submission first)</option>
                {options(tieBreakers)}
              </select>
            ))}
          </div>
        ))}
      </div>
      {checkbox("leaderboardFreezeAtDue", "Freeze the leaderboard at the due date")}
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Saving…" : labSlug === null ? "Create lab" : "Save lab"}
      </button>
    </form>
  );
}
