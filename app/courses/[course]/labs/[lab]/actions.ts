"use server";
// The lab page's server actions. Extensions (staff): grant one student a
// later due date for this lab. (Submitting is not an action: the submit form
// posts the archive to app/api/courses/[course]/labs/[lab]/submissions, which
// reads it no further than the lab's limit; an action's body is read whole.)
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { grantExtension } from "@/lib/courses/extensions";
import { readableUtc } from "@/lib/readable-time";
import { actionState } from "../../../../action-result";
import { issuesByField, typedValues } from "../../../../form-fields";
import type { ActionState } from "../../../../action-state";

export type ExtensionState = ActionState;

const extensionForm = z.object({
  courseSlug: z.string().min(1).max(200),
  labSlug: z.string().min(1).max(200),
  studentEmail: z.string().trim().min(1, "Enter the student's email").max(320),
  // <input type="datetime-local"> sends "2026-12-01T17:00"; the form says the time is UTC.
  dueAt: z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/, "Enter the new due date and time")
    .transform((value) => new Date(`${value}:00Z`)),
  reason: z.string().max(500, "Keep the reason under 500 characters").optional(),
});

export async function grantExtensionAction(_previous: ExtensionState, formData: FormData): Promise<ExtensionState> {
  const parsed = extensionForm.safeParse({
    courseSlug: formData.get("courseSlug"),
    labSlug: formData.get("labSlug"),
    studentEmail: formData.get("studentEmail"),
    dueAt: formData.get("dueAt"),
    reason: formData.get("reason") ?? undefined,
  });
  if (!parsed.success) {
    const fieldErrors = issuesByField(parsed.error);
    return { message: Object.values(fieldErrors)[0] ?? "The form was incomplete", ok: false, fieldErrors, values: typedValues(formData) };
  }
  const { courseSlug, labSlug, ...input } = parsed.data;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}`);
  const state = await actionState(
    async () => {
      const extension = await grantExtension(db(), actor, { courseSlug, labSlug, ...input });
      return `${input.studentEmail} is now due ${readableUtc(extension.dueAt)}.`;
    },
    "This lab is not in a course you teach",
    `/courses/${courseSlug}/labs/${labSlug}`,
    (code) => (code === "extension.no_student" ? "studentEmail" : code.startsWith("extension.") ? "dueAt" : undefined),
  );
  return state.ok ? state : { ...state, values: typedValues(formData) };
}
