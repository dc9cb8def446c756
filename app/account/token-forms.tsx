"use client";
// Making and revoking personal API tokens; works without JavaScript too.
import { useActionState } from "react";
import { IDLE, type ActionState } from "../action-state";
import { FormMessage } from "../form-message";
import { createTokenAction, revokeTokenAction } from "./token-actions";

export function NewTokenForm() {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(createTokenAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="new-token">
      <label htmlFor="token-name">Name</label>
      <input id="token-name" name="name" type="text" required maxLength={100} placeholder="laptop" />
      <label htmlFor="token-scope">May</label>
      <select id="token-scope" name="scope" defaultValue="SUBMIT">
        <option value="READ">read (courses, labs, submissions, reports; staff: grades, suites)</option>
        <option value="SUBMIT">read and act (submit; staff: regrade, edit and publish suites)</option>
      </select>
      <label htmlFor="token-days">Expires after (days; empty: never)</label>
      <input id="token-days" name="expiresInDays" type="number" min={1} max={365} defaultValue={90} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Making…" : "Make token"}
      </button>
    </form>
  );
}

export function RevokeTokenForm({ tokenId, name }: { tokenId: string; name: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(revokeTokenAction, IDLE);
  return (
    <form action={formAction}>
      <input type="hidden" name="tokenId" value={tokenId} />
      <button type="submit" className="button" disabled={pending} aria-label={`Revoke ${name}`}>
        Revoke
      </button>
      <FormMessage message={state.message} ok={state.ok} />
    </form>
  );
}
