"use server";
// Signing in and out, as server actions. Sign-in failures come back as form
// state; a wrong email and a wrong password get the same message.
import { AuthError } from "next-auth";
import { redirect } from "next/navigation";
import { z } from "zod";
import { parseLockedCode, signIn, signOut } from "@/lib/auth/auth";
import { describeRetry } from "@/lib/auth/sign-in-limits";
import { returnPath } from "./return-path";

export interface SignInState {
  error: string | null;
  /** Echoed back so the form keeps what was typed (never the password). */
  email: string;
}

const signInForm = z.object({
  email: z.string().trim().min(1, "Enter your email address").max(320),
  password: z.string().min(1, "Enter your password").max(1024),
  next: returnPath,
});

export async function signInWithPassword(_previous: SignInState, formData: FormData): Promise<SignInState> {
  const parsed = signInForm.safeParse({
    email: formData.get("email") ?? "",
    password: formData.get("password") ?? "",
    next: formData.get("next") ?? undefined,
  });
  const email = String(formData.get("email") ?? "").slice(0, 320);
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Enter your email and password", email };
  try {
    await signIn("credentials", { email: parsed.data.email, password: parsed.data.password, redirect: false });
  } catch (err) {
    if (err instanceof AuthError) {
      const locked = parseLockedCode((err as { code?: unknown }).code);
      if (locked) {
        const who = locked.scope === "account" ? "this account" : "your address";
        return { error: `Too many failed sign-ins for ${who}. Try again ${describeRetry(locked.retryAt)} (at ${locked.retryAt.toISOString().slice(11, 16)} UTC).`, email };
      }
      return { error: err.type === "CredentialsSignin" ? "Wrong email or password" : "Signing in failed; please try again", email };
    }
    throw err;
  }
  redirect(parsed.data.next);
}

/** Off to the university's sign-in page; Auth.js brings the visitor back to `next`. */
export async function signInWithSso(formData: FormData): Promise<void> {
  await signIn("sso", { redirectTo: returnPath.parse(formData.get("next") ?? "/") });
}

export async function signOutAndLeave(): Promise<void> {
  await signOut({ redirectTo: "/signin" });
}
