"use server";
// Actions of the pages opened from links staff hand out: join a course from an
// invitation (signed in, or creating an account), and set a password from a
// password link. Both sign the person in afterwards.
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/auth";
import { spendPasswordLink } from "@/lib/auth/password-links";
import { requireActor } from "@/lib/auth/require-actor";
import { signInLimiter } from "@/lib/auth/sign-in-limits";
import { acceptInvitation, signUpWithInvitation } from "@/lib/courses/invitations";
import { db } from "@/lib/db";
import { actionState } from "./action-result";
import type { ActionState } from "./action-state";

const field = (formData: FormData, name: string) => String(formData.get(name) ?? "").slice(0, 2048);
const GONE = "This link is not valid (mistyped, replaced or already used); ask your course staff for a new one";

export async function joinCourseAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  const actor = await requireActor(`/invite/${secret}`);
  let courseSlug: string | null = null;
  const state = await actionState(async () => {
    courseSlug = (await acceptInvitation(db(), actor, secret)).courseSlug;
    return "Joined.";
  }, GONE);
  if (courseSlug) redirect(`/courses/${courseSlug}`);
  return state;
}

export async function signUpAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  const input = { email: field(formData, "email").trim(), name: field(formData, "name"), password: field(formData, "password"), repeat: field(formData, "repeat") };
  let courseSlug: string | null = null;
  const state = await actionState(async () => {
    courseSlug = (await signUpWithInvitation(db(), secret, input)).courseSlug;
    return "Account created.";
  }, GONE);
  if (!courseSlug) return state;
  await signIn("credentials", { email: input.email, password: input.password, redirect: false });
  redirect(`/courses/${courseSlug}`);
}

export async function setPasswordAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  const next = field(formData, "password");
  let email: string | null = null;
  const state = await actionState(async () => {
    email = await spendPasswordLink(db(), signInLimiter(), { secret, next, repeat: field(formData, "repeat") });
    return "Password set.";
  }, GONE);
  if (!email) return state;
  await signIn("credentials", { email, password: next, redirect: false });
  redirect("/");
}
