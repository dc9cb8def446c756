"use server";
// The submit form's server action: parse the form, hand the archive to
// createSubmission, and go to the new submission's page. A refusal the student
// can act on (archive, limit, deadline) comes back as the form's error.
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { NotFoundError, StudentError } from "@/lib/errors";
import { gradingQueue } from "@/lib/queue";
import { createSubmission } from "@/lib/submissions/create-submission";

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

function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

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
