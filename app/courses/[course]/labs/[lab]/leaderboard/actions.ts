"use server";
// A student picks the pseudonym others see on the course's leaderboards.
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { setMyPseudonym } from "@/lib/courses/pseudonyms";
import { db } from "@/lib/db";
import { actionState } from "../../../../../action-result";
import { typedValues } from "../../../../../form-fields";
import type { ActionState } from "../../../../../action-state";

const form = z.object({ courseSlug: z.string().min(1).max(200), labSlug: z.string().min(1).max(200), pseudonym: z.string().max(100) });

export async function pseudonymAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const parsed = form.safeParse({ courseSlug: formData.get("courseSlug"), labSlug: formData.get("labSlug"), pseudonym: formData.get("pseudonym") });
  if (!parsed.success) return { message: "The form was incomplete; reload the page", ok: false };
  const { courseSlug, labSlug, pseudonym } = parsed.data;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}/leaderboard`);
  const state = await actionState(
    async () => `You now appear as ${await setMyPseudonym(db(), actor, courseSlug, pseudonym)}.`,
    "This course is not yours",
    `/courses/${courseSlug}/labs/${labSlug}/leaderboard`,
    (code) => (code.startsWith("pseudonym.") ? "pseudonym" : undefined),
  );
  return state.ok ? state : { ...state, values: typedValues(formData) };
}
