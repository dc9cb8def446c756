"use server";
// The suite page's actions: save the edited suite as a new version, publish a
// version, dry-run one against the reference solutions, and turn a pasted
// Maelstrom command into a test for the editor (lib/suites/from-maelstrom.ts;
// it reads and stores nothing, so being signed in is all it needs).
// (Reference uploads go to app/api/courses/[course]/labs/[lab]/references,
// which reads the archive no further than the lab's limit; an action's body
// is read whole.)
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { suiteTestFromMaelstrom } from "@/lib/suites/from-maelstrom";
import { publishedMessage, suitePublishWarnings } from "@/lib/suites/publish-warnings";
import { publishSuiteVersion, saveSuiteVersion, startDryRun } from "@/lib/suites/suite-versions";
import { actionState } from "../../../../../action-result";
import type { ActionState } from "../../../../../action-state";
import type { MaelstromPasteState } from "./maelstrom-paste-state";

const NOT_YOURS = "This lab is not in a course you teach";
const ids = z.object({ courseSlug: z.string().min(1).max(200), labSlug: z.string().min(1).max(200) });
const versionField = z.coerce.number().int().min(1);

async function withLab(formData: FormData, work: (ids: { courseSlug: string; labSlug: string }, actor: Awaited<ReturnType<typeof requireActor>>) => Promise<string>): Promise<ActionState> {
  const parsed = ids.safeParse({ courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug") });
  if (!parsed.success) return { message: "The form was incomplete; reload the page", ok: false };
  const actor = await requireActor(`/courses/${parsed.data.courseSlug}/labs/${parsed.data.labSlug}/suite`);
  return actionState(() => work(parsed.data, actor), NOT_YOURS, `/courses/${parsed.data.courseSlug}/labs/${parsed.data.labSlug}/suite`);
}

export async function saveSuiteAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return withLab(formData, async (lab, actor) => {
    const source = String(formData.get("source") ?? "").replace(/\r\n/g, "\n");
    const saved = await saveSuiteVersion(db(), actor, { ...lab, source });
    return saved.created ? `Saved as version ${saved.version.version}, a draft: dry-run it, then publish it.` : `No change: this is version ${saved.version.version}.`;
  });
}

/** A publish the server wants confirmed first (`confirm` says why); the form then offers "Publish anyway". */
export type PublishState = ActionState & { confirm?: string };

export async function publishSuiteAction(_previous: PublishState, formData: FormData): Promise<PublishState> {
  let confirm: string | undefined;
  const state = await withLab(formData, async (lab, actor) => {
    const version = versionField.parse(formData.get("version"));
    const warnings = await suitePublishWarnings(db(), actor, { ...lab, version });
    if (warnings.neverDryRun && formData.get("withoutDryRun") !== "yes") {
      confirm = `Version ${version} was never dry-run against the reference solutions: a mistake in it would grade every new submission wrongly. Publish it anyway?`;
      return confirm;
    }
    await publishSuiteVersion(db(), actor, { ...lab, version });
    return publishedMessage(version, warnings);
  });
  return confirm && state.ok ? { message: confirm, ok: false, confirm } : state;
}

export async function dryRunAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return withLab(formData, async (lab, actor) => {
    const version = versionField.parse(formData.get("version"));
    const started = await startDryRun({ db: db(), queue: gradingQueue() }, actor, { ...lab, version });
    return `Dry run of version ${started.version} started against ${started.references} reference solution${started.references === 1 ? "" : "s"}.`;
  });
}

const maelstromPaste = z.object({
  /** The pasted line (multi-line commands with backslashes too). */
  command: z.string().trim().min(1, "Paste a `maelstrom test …` command").max(4000, "The command is longer than 4000 characters"),
  /** The test's name; empty: made from the workload and node count. */
  name: z.string().trim().max(63).optional(),
});

export async function maelstromTestAction(_previous: MaelstromPasteState, formData: FormData): Promise<MaelstromPasteState> {
  const parsed = ids.safeParse({ courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug") });
  if (!parsed.success) return { message: "The form was incomplete; reload the page", ok: false };
  await requireActor(`/courses/${parsed.data.courseSlug}/labs/${parsed.data.labSlug}/suite`);
  const input = maelstromPaste.safeParse({ command: formData.get("command") ?? "", name: formData.get("name") || undefined });
  if (!input.success) return { message: input.error.issues[0]?.message ?? "The form was incomplete", ok: false };
  const converted = suiteTestFromMaelstrom(input.data.command, { name: input.data.name });
  if (!converted.ok) {
    return { message: "This command cannot be a test here:", ok: false, problems: converted.problems.map((message) => ({ line: null, message })), notes: converted.notes };
  }
  return { message: `Converted into the test ${String(converted.test.name)}.`, ok: true, testYaml: converted.testYaml, notes: converted.notes };
}
