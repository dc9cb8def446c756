// /signin: email and password. Signed-in visitors go straight on.
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentActor } from "@/lib/auth/require-actor";
import { safeReturnPath } from "../return-path";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in · labgrade" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const { next } = await searchParams;
  const returnTo = safeReturnPath(next);
  if (await currentActor()) redirect(returnTo);
  return (
    <section className="signin card">
      <h1>Sign in</h1>
      <p className="muted">Use the email address your course staff registered.</p>
      <SignInForm next={returnTo} />
    </section>
  );
}
