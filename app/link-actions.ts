"use server";
// Actions of the pages opened from links: join a course from an invitation
// (signed in, or asking for a sign-up link by mail), create the account from
// that mailed link, confirm a signed-in account's email, and set a password
// from a password link. Those that make or set a password sign the person in.
import { redirect } from "next/navigation";
import { signIn } from "@/lib/auth/auth";
import { confirmAccountEmail, sendAccountEmailProof } from "@/lib/auth/email-proof";
import { spendPasswordLink } from "@/lib/auth/password-links";
import { requireActor } from "@/lib/auth/require-actor";
import { signInLimiter } from "@/lib/auth/sign-in-limits";
import { acceptInvitation, completeSignUp, requestSignUp } from "@/lib/courses/invitations";
import { db } from "@/lib/db";
import { mailer } from "@/lib/mail/mailer";
import { actionState } from "./action-result";
import type { ActionState } from "./action-state";
import { safeReturnPath } from "./return-path";

const field = (formData: FormData, name: string) => String(formData.get(name) ?? "").slice(0, 2048);
const GONE = "This link is not valid (mistyped, replaced or already used); ask for a new one";

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

/** A visitor without an account: a link to create one goes to the address they give. */
export async function requestSignUpAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  return actionState(async () => {
    const { email } = await requestSignUp(db(), mailer(), secret, field(formData, "email"));
    return `We sent a link to ${email}. Open it to choose your name and password and join; it works once, for a day.`;
  }, GONE);
}

/** The mailed sign-up link's form: the account is made, joins, and is signed in. */
export async function completeSignUpAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  const input = { name: field(formData, "name"), password: field(formData, "password"), repeat: field(formData, "repeat") };
  let done: { email: string; courseSlug: string } | null = null;
  const state = await actionState(async () => {
    done = await completeSignUp(db(), secret, input);
    return "Account created.";
  }, GONE);
  if (!done) return state;
  const { email, courseSlug } = done;
  await signIn("credentials", { email, password: input.password, redirect: false });
  redirect(`/courses/${courseSlug}`);
}

/** The signed-in account asks for a link that proves its email. */
export async function sendEmailProofAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const returnTo = safeReturnPath(formData.get("returnTo") ?? "/account");
  const actor = await requireActor(returnTo);
  return actionState(async () => {
    const { email } = await sendAccountEmailProof(db(), mailer(), actor, { returnTo });
    return `We sent a link to ${email}. Open it while signed in here, and confirm.`;
  }, "Your account was not found");
}

/** The signed-in account confirms the mailed link. */
export async function confirmEmailAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const secret = field(formData, "secret");
  const actor = await requireActor(`/confirm-email/${secret}`);
  let returnTo: string | null = null;
  const state = await actionState(async () => {
    const done = await confirmAccountEmail(db(), actor, secret);
    returnTo = safeReturnPath(done.returnTo ?? "/account");
    return `${done.email} is confirmed.`;
  }, GONE);
  if (returnTo) redirect(returnTo);
  return state;
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
