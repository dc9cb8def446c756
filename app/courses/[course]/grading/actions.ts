"use server";
// Staff start a regrade from the grading page. A refusal they can act on comes
// back as the form's message; success reloads the page with the new batch.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError, StudentError } from "@/lib/errors";
import { startRegrade } from "@/lib/jobs/regrade";
import { gradingQueue } from "@/lib/queue";

export interface RegradeState {
  message: string | null;
  ok: boolean;
}

const regradeForm = z.object({
  courseSlug: z.string().min(1).max(200),
  labSlug: z.string().min(1, "Choose a lab").max(200),
  scope: z.enum(["latest-per-student", "all"], { message: "Choose which submissions to regrade" }),
});

export async function regradeLab(_previous: RegradeState, formData: FormData): Promise<RegradeState> {
  const parsed = regradeForm.safeParse({ courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug"), scope: formData.get("scope") });
  if (!parsed.success) return { message: parsed.error.issues[0]?.message ?? "The form was incomplete", ok: false };
  const { courseSlug, labSlug, scope } = parsed.data;
  const actor = await requireActor(`/courses/${courseSlug}/grading`);
  try {
    const started = await startRegrade({ db: db(), queue: gradingQueue() }, actor, { courseSlug, labSlug, scope: { kind: scope } });
    revalidatePath(`/courses/${courseSlug}/grading`);
    const skipped = started.skipped > 0 ? ` (${started.skipped} still being graded were left alone)` : "";
    return { message: `Regrading ${started.total} submission${started.total === 1 ? "" : "s"} of ${labSlug} against suite version ${started.suiteVersion}${skipped}.`, ok: true };
  } catch (err) {
    if (err instanceof StudentError || err instanceof ForbiddenError) return { message: err.message, ok: false };
    if (err instanceof NotFoundError) return { message: "That lab is not in this course", ok: false };
    throw err;
  }
}
