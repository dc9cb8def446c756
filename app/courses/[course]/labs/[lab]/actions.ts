"use server";
// The lab page's server actions. Submit: parse the form, hand the archive to
// createSubmission, and go to the new submission's page; a refusal the student
// can act on (archive, limit, deadline) comes back as the form's error.
// Extensions (staff): grant one student a later due date for this lab.
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { grantExtension } from "@/lib/courses/extensions";
import { NotFoundError, StudentError } from "@/lib/errors";
import { gradingQueue } from "@/lib/queue";
import { createSubmission } from "@/lib/submissions/create-submission";
import { actionState } from "../../../../action-result";
import { sentence, type ActionState } from "../../../../action-state";

export interface SubmitState {
  error: string | null;
}

const submitForm = z.object({
  courseSlug: z.string().min(1).max(200),
  labSlug: z.string().min(1).max(200),
  archive: z
    .instanceof(File, { message: "Choose a .tar.gz or .tar file to submit" })
    .refine((file) => file.size > 0, "Choose a .tar.gz or .tar file to submit (the chosen file is empty)"),
});

export async function submitSolution(_previous: SubmitState, formData: FormData): Promise<SubmitState> {
  const parsed = submitForm.safeParse({
    courseSlug: formData.get("courseSlug"),
    labSlug: formData.get("labSlug"),
    archive: formData.get("archive"),
  });
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "The form was incomplete; please try again" };
  const { courseSlug, labSlug, archive } = parsed.data;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}`);
  let submissionId: string;
  try {
    const upload = Buffer.from(await archive.arrayBuffer());
    ({ id: submissionId } = await createSubmission({ db: db(), queue: gradingQueue() }, actor, { courseSlug, labSlug, upload }));
  } catch (err) {
    if (err instanceof StudentError) return { error: sentence(err.message) };
    if (err instanceof NotFoundError) return { error: "This lab is not open to you" };
    throw err;
  }
  redirect(`/submissions/${submissionId}`);
}

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
  if (!parsed.success) return { message: parsed.error.issues[0]?.message ?? "The form was incomplete", ok: false };
  const { courseSlug, labSlug, ...input } = parsed.data;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}`);
  return actionState(
    async () => {
      const extension = await grantExtension(db(), actor, { courseSlug, labSlug, ...input });
      return `${input.studentEmail} is now due ${extension.dueAt.toISOString().slice(0, 16).replace("T", " ")} UTC.`;
    },
    "This lab is not in a course you teach",
    `/courses/${courseSlug}/labs/${labSlug}`,
  );
}
