"use server";
// The account page's personal API tokens: make one (shown once, in the
// form's message) or revoke one (effective at the token's next request).
import { z } from "zod";
import { createApiToken, revokeApiToken } from "@/lib/api/tokens";
import { siteUrl } from "@/lib/config";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { actionState } from "../action-result";
import type { ActionState } from "../action-state";

/** A made token's state: the message, and the command line that logs the CLI in with it. */
export interface TokenState extends ActionState {
  login?: string;
}

export async function createTokenAction(_previous: TokenState, formData: FormData): Promise<TokenState> {
  const actor = await requireActor("/account");
  const days = String(formData.get("expiresInDays") ?? "").trim();
  let login: string | undefined;
  const state = await actionState(async () => {
    const made = await createApiToken(db(), actor, {
      name: String(formData.get("name") ?? ""),
      scope: formData.get("scope") === "SUBMIT" ? "SUBMIT" : "READ",
      expiresInDays: days === "" ? null : Number(days),
    });
    // The site's own public URL (never the request's Host), as links in mail are built.
    login = `labgrade login --server ${siteUrl().origin} --token ${made.token}`;
    const until = made.expiresAt ? `valid until ${made.expiresAt.toISOString().slice(0, 10)}` : "valid until revoked";
    return `Token "${made.name}" made (${until}). Copy it now; it is not shown again: ${made.token}`;
  }, "Your account was not found", "/account");
  return { ...state, login };
}

export async function revokeTokenAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const actor = await requireActor("/account");
  return actionState(async () => {
    await revokeApiToken(db(), actor, z.string().min(1).max(100).parse(formData.get("tokenId")));
    return "Token revoked.";
  }, "That token is not yours or is already revoked", "/account");
}
