"use server";
// Staff create and edit labs from the lab form. The form's strings become the
// domain's typed fields here (empty is "none"; dates are UTC as the form
// says); lib/labs/manage-labs.ts validates and stores them.
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { createLab, labFieldsSchema, labSlugSchema, updateLab, type LabFields } from "@/lib/labs/manage-labs";
import { actionState } from "../../../action-result";
import type { ActionState } from "../../../action-state";
import { issuesByField, problemsSummary, typedValues } from "../../../form-fields";

const text = (formData: FormData, name: string) => {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
};
const optionalNumber = (formData: FormData, name: string) => (text(formData, name).trim() === "" ? null : Number(text(formData, name)));
// <input type="datetime-local"> sends "2026-12-01T17:00"; the form says the time is UTC.
const optionalDate = (formData: FormData, name: string) => (text(formData, name) === "" ? null : new Date(`${text(formData, name)}:00Z`));

// The schema's keys that come from a differently named field of the form.
const FORM_NAMES: Record<string, string> = { latePenaltyPerDay: "latePenaltyPercent", leaderboardTieBreakers: "tieBreaker1" };
const DATE_FIELDS = new Set(["opensAt", "dueAt", "resultsReleasedAt"]);
// zod's own words for a value of the wrong type ("expected number, received NaN") come from
// fields a browser without date or number inputs let through.
const reword = (field: string) => (DATE_FIELDS.has(field) ? "Enter a date and time, e.g. 2026-12-01T17:00 (UTC)" : "Enter a number");

function fieldsFromForm(formData: FormData): { fields: LabFields } | { fieldErrors: Record<string, string> } {
  const parsed = labFieldsSchema.safeParse({
    title: text(formData, "title"),
    description: text(formData, "description").replace(/\r\n/g, "\n"),
    workload: text(formData, "workload"),
    toolchain: text(formData, "toolchain"),
    protocol: text(formData, "protocol"),
    buildCommand: text(formData, "buildCommand"),
    runCommand: text(formData, "runCommand"),
    opensAt: optionalDate(formData, "opensAt"),
    dueAt: optionalDate(formData, "dueAt"),
    latePolicy: text(formData, "latePolicy"),
    latePenaltyPerDay: (optionalNumber(formData, "latePenaltyPercent") ?? 0) / 100,
    submissionLimit: optionalNumber(formData, "submissionLimit"),
    submissionWindowHours: optionalNumber(formData, "submissionWindowHours"),
    maxArchiveMegabytes: optionalNumber(formData, "maxArchiveMegabytes") ?? 10,
    published: formData.get("published") === "on",
    leaderboardVisible: formData.get("leaderboardVisible") === "on",
    leaderboardTieBreakers: [text(formData, "tieBreaker1"), text(formData, "tieBreaker2")].filter((t) => t !== ""),
    leaderboardFreezeAtDue: formData.get("leaderboardFreezeAtDue") === "on",
    resultsReleasedAt: optionalDate(formData, "resultsReleasedAt"),
  });
  return parsed.success ? { fields: parsed.data } : { fieldErrors: issuesByField(parsed.error, FORM_NAMES, reword) };
}

const slugs = z.object({ courseSlug: z.string().min(1).max(200), labSlug: z.string().max(200) });

export async function saveLabAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const ids = slugs.safeParse({ courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug") });
  if (!ids.success) return { message: "The form was incomplete; reload the page", ok: false };
  const { courseSlug, labSlug } = ids.data;
  const creating = formData.get("mode") === "create";
  const actor = await requireActor(`/courses/${courseSlug}`);
  const parsed = fieldsFromForm(formData);
  const slug = creating ? labSlugSchema.safeParse(labSlug) : null;
  const fieldErrors = { ...(slug && !slug.success ? { labSlug: slug.error.issues[0]!.message } : {}), ...("fieldErrors" in parsed ? parsed.fieldErrors : {}) };
  const what = creating ? "The lab was not created" : "The lab was not saved";
  if ("fieldErrors" in parsed || Object.keys(fieldErrors).length > 0) return { message: problemsSummary(what, fieldErrors), ok: false, fieldErrors, values: typedValues(formData) };
  let createdSlug: string | null = null;
  const state = await actionState(async () => {
    if (creating) {
      createdSlug = (await createLab(db(), actor, { courseSlug, slug: labSlug, fields: parsed.fields })).slug;
      return "Lab created.";
    }
    await updateLab(db(), actor, { courseSlug, labSlug, fields: parsed.fields });
    return "Saved.";
  }, "This course is not one you teach", creating ? undefined : `/courses/${courseSlug}/labs/${labSlug}`, (code) => (code === "lab.slug_taken" ? "labSlug" : undefined));
  // A new lab's next step is its test suite.
  if (createdSlug) redirect(`/courses/${courseSlug}/labs/${createdSlug}/suite`);
  return state.ok ? state : { ...state, values: typedValues(formData) };
}
