"use client";
// Making and revoking personal API tokens; works without JavaScript too (the
// copy button needs it; the command can be selected by hand).
import { useActionState, useState } from "react";
import { IDLE, type ActionState } from "../action-state";
import { FormMessage } from "../form-message";
import { createTokenAction, revokeTokenAction, type TokenState } from "./token-actions";

export function NewTokenForm({ defaultDays }: { defaultDays: number }) {
  const [state, formAction, pending] = useActionState<TokenState, FormData>(createTokenAction, IDLE);
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
      <input id="token-days" name="expiresInDays" type="number" min={1} max={365} defaultValue={defaultDays} aria-describedby="token-days-note" />
      <p className="muted" id="token-days-note">
        A new token expires after {defaultDays} days unless you change this (at most 365; empty: never).
      </p>
      <FormMessage message={state.message} ok={state.ok} />
      {state.ok && state.login && <LoginCommand command={state.login} />}
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Making…" : "Make token"}
      </button>
    </form>
  );
}

/** The command that logs the CLI in with the new token, and a button that copies it. */
function LoginCommand({ command }: { command: string }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  return (
    <div className="login-command" data-testid="login-command">
      <p>Log the command-line client in with it:</p>
      <pre tabIndex={0}>
        <code>{command}</code>
      </pre>
      <button
        type="button"
        className="button"
        onClick={() =>
          navigator.clipboard.writeText(command).then(
            () => setCopied("yes"),
            () => setCopied("failed"),
          )
        }
      >
        {copied === "yes" ? "Copied" : "Copy command"}
      </button>
      {copied === "failed" && <span className="muted"> The browser refused to copy; select the command instead.</span>}
      <p className="muted">Or run <code>labgrade login --server …</code> without --token and paste the token, to keep it out of your shell&apos;s history.</p>
    </div>
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
