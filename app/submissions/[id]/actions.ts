"use server";
// Cancelling a grading from its page (lib/submissions/cancel-submission.ts):
// the student for their own submission, staff for any in their course. A
// refusal comes back as the form's message; success re-renders the page.
// Staff also regrade this one submission from its page.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError, StudentError } from "@/lib/errors";
import { startRegrade } from "@/lib/jobs/regrade";
import { gradingQueue } from "@/lib/queue";
import { cancelSubmission } from "@/lib/submissions/cancel-submission";

export interface CancelState {
  message: string | null;
  ok: boolean;
}

const cancelForm = z.object({ submissionId: z.string().min(1).max(64) });

export async function cancelGrading(_previous: CancelState, formData: FormData): Promise<CancelState> {
  const parsed = cancelForm.safeParse({ submissionId: formData.get("submissionId") });
  if (!parsed.success) return { message: "The form did not name a submission", ok: false };
  const { submissionId } = parsed.data;
  const actor = await requireActor(`/submissions/${submissionId}`);
  try {
    await cancelSubmission(db(), actor, submissionId);
  } catch (err) {
    if (err instanceof StudentError || err instanceof ForbiddenError) return { message: err.message, ok: false };
    if (err instanceof NotFoundError) return { message: "That submission does not exist", ok: false };
    throw err;
  }
  revalidatePath(`/submissions/${submissionId}`);
  return { message: "Cancelled. A running grading stops within a few seconds.", ok: true };
}

const regradeForm = z.object({ submissionId: z.string().min(1).max(64), courseSlug: z.string().min(1).max(200), labSlug: z.string().min(1).max(200) });

/** Staff grade this one submission again against the lab's newest published suite (lib/jobs/regrade.ts, scope "one"). */
export async function regradeOne(_previous: CancelState, formData: FormData): Promise<CancelState> {
  const parsed = regradeForm.safeParse({ submissionId: formData.get("submissionId"), courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug") });
  if (!parsed.success) return { message: "The form did not name a submission", ok: false };
  const { submissionId, courseSlug, labSlug } = parsed.data;
  const actor = await requireActor(`/submissions/${submissionId}`);
  try {
    const started = await startRegrade({ db: db(), queue: gradingQueue() }, actor, { courseSlug, labSlug, scope: { kind: "one", submissionId } });
    if (started.total === 0) return { message: "This submission is still waiting or being graded; regrade it once it is done", ok: false };
    revalidatePath(`/submissions/${submissionId}`);
    return { message: `Queued for a regrade against suite version ${started.suiteVersion}.`, ok: true };
  } catch (err) {
    if (err instanceof StudentError || err instanceof ForbiddenError) return { message: err.message.charAt(0).toUpperCase() + err.message.slice(1), ok: false };
    if (err instanceof NotFoundError) return { message: "That submission does not exist", ok: false };
    throw err;
  }
}
