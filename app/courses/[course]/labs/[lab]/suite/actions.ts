"use server";
// The suite page's actions: save the edited suite as a new version, publish a
// version, dry-run one against the reference solutions. (Reference uploads go
// to app/api/courses/[course]/labs/[lab]/references, which reads the archive
// no further than the lab's limit; an action's body is read whole.)
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { publishSuiteVersion, saveSuiteVersion, startDryRun } from "@/lib/suites/suite-versions";
import { actionState } from "../../../../../action-result";
import type { ActionState } from "../../../../../action-state";

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

export async function publishSuiteAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return withLab(formData, async (lab, actor) => {
    const version = versionField.parse(formData.get("version"));
    await publishSuiteVersion(db(), actor, { ...lab, version });
    return `Version ${version} is published: new submissions are graded against it.`;
  });
}

export async function dryRunAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return withLab(formData, async (lab, actor) => {
    const version = versionField.parse(formData.get("version"));
    const started = await startDryRun({ db: db(), queue: gradingQueue() }, actor, { ...lab, version });
    return `Dry run of version ${started.version} started against ${started.references} reference solution${started.references === 1 ? "" : "s"}.`;
  });
}
