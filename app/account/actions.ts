"use server";
// The account page's server actions: change my password (ending my other
// sessions), and sign out everywhere.
import { headers } from "next/headers";
import { signOut } from "@/lib/auth/auth";
import { changePassword } from "@/lib/auth/account";
import { clientAddress } from "@/lib/auth/client-address";
import { currentSession, requireActor } from "@/lib/auth/require-actor";
import { signOutEverywhere } from "@/lib/auth/sessions";
import { signInLimiter } from "@/lib/auth/sign-in-limits";
import { db } from "@/lib/db";
import { StudentError } from "@/lib/errors";
import { sentence } from "../action-state";

export interface PasswordState {
  message: string | null;
  ok: boolean;
}

const text = (value: FormDataEntryValue | null) => (typeof value === "string" ? value : "");

export async function changePasswordAction(_previous: PasswordState, formData: FormData): Promise<PasswordState> {
  const actor = await requireActor("/account");
  const input = { current: text(formData.get("current")), next: text(formData.get("next")), repeat: text(formData.get("repeat")) };
  if (!input.current) return { message: "Enter your current password", ok: false };
  if (!input.next) return { message: "Enter a new password", ok: false };
  try {
    const keepSession = (await currentSession())?.sessionId;
    await changePassword(db(), signInLimiter(), actor, { ...input, address: clientAddress(await headers()), keepSession });
    return { message: "Your password is changed. Use the new one next time you sign in.", ok: true };
  } catch (err) {
    if (err instanceof StudentError) return { message: sentence(err.message), ok: false };
    throw err;
  }
}

/** Ends every session of mine, this one too, and leaves for the sign-in page. */
export async function signOutEverywhereAction(): Promise<void> {
  const actor = await requireActor("/account");
  await signOutEverywhere(db(), actor);
  await signOut({ redirectTo: "/signin" });
}
