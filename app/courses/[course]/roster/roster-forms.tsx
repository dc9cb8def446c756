"use client";
// The roster page's forms; each works without JavaScript too.
import { useActionState, useState } from "react";
import { IDLE, type ActionState } from "../../../action-state";
import { fieldAria, typed } from "../../../form-fields";
import { FormMessage, ProblemList } from "../../../form-message";
import { importRosterAction, invitationAction, passwordLinkAction, revokeInvitationAction, setRoleAction } from "./actions";

const ROLES = ["STUDENT", "TA", "INSTRUCTOR", "OWNER"] as const;

/** The import's file limit (lib/courses/roster.ts), checked here first: a body over the server actions' limit (next.config.ts) never reaches the action. */
const MAX_ROSTER_FILE_BYTES = 2 * 1024 * 1024;

export function RosterImport({ courseSlug }: { courseSlug: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(importRosterAction, IDLE);
  const [fileError, setFileError] = useState<string | null>(null);
  // A refusal's problem and its bad lines, under the field the rows came from (the file, or the pasted lines).
  const problemAt = (name: "file" | "csv", id: string) =>
    state.fieldErrors?.[name] && (
      <div className="field-problem" id={`${id}-problem`}>
        <p>{state.fieldErrors[name]}</p>
        <ProblemList problems={state.problems} />
      </div>
    );
  return (
    // A refused import is drawn afresh with the pasted lines kept (its key changes); a chosen file must be chosen again.
    <form key={JSON.stringify(state.values ?? null)} action={formAction} className="form" data-testid="roster-import">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <label htmlFor="roster-file">CSV file</label>
      <input
        id="roster-file"
        name="file"
        type="file"
        accept=".csv,text/csv"
        onChange={(event) => setFileError((event.currentTarget.files?.[0]?.size ?? 0) > MAX_ROSTER_FILE_BYTES ? "The roster file is larger than 2 MB" : null)}
        {...fieldAria(state, "file", "roster-file")}
      />
      {problemAt("file", "roster-file")}
      <label htmlFor="roster-csv">… or paste its lines</label>
      <textarea
        id="roster-csv"
        name="csv"
        rows={4}
        className="code-input"
        placeholder={"email,name,role\nada@uni.edu,Ada Lovelace,student"}
        defaultValue={typed(state, "csv", "")}
        {...fieldAria(state, "csv", "roster-csv")}
      />
      {problemAt("csv", "roster-csv")}
      <FormMessage message={fileError ?? state.message} ok={fileError ? false : state.ok} problems={fileError || state.fieldErrors ? undefined : state.problems} />
      <button type="submit" className="button button-primary" disabled={pending || fileError !== null}>
        {pending ? "Importing…" : "Import roster"}
      </button>
    </form>
  );
}

export function MemberActions({ courseSlug, userId, email, role }: { courseSlug: string; userId: string; email: string; role: string }) {
  const [roleState, roleAction, rolePending] = useActionState<ActionState, FormData>(setRoleAction, IDLE);
  const [linkState, linkAction, linkPending] = useActionState<ActionState, FormData>(passwordLinkAction, IDLE);
  const last = linkState.message ? linkState : roleState;
  return (
    <div className="inline-forms">
      <form action={roleAction}>
        <input type="hidden" name="courseSlug" value={courseSlug} />
        <input type="hidden" name="userId" value={userId} />
        <select name="role" defaultValue={role} aria-label={`Role of ${email}`}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {r.toLowerCase()}
            </option>
          ))}
        </select>
        <button type="submit" className="button" disabled={rolePending} aria-label={`Set the role of ${email}`}>
          Set
        </button>
      </form>
      <form action={linkAction}>
        <input type="hidden" name="courseSlug" value={courseSlug} />
        <input type="hidden" name="userId" value={userId} />
        <button type="submit" className="button" disabled={linkPending} aria-label={`Password link for ${email}`}>
          Password link
        </button>
      </form>
      <FormMessage message={last.message} ok={last.ok} />
    </div>
  );
}

export function InvitationForm({ courseSlug }: { courseSlug: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(invitationAction, IDLE);
  return (
    <form action={formAction} className="form" data-testid="invitation-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <label htmlFor="invite-role">Role</label>
      <select id="invite-role" name="role" defaultValue="STUDENT">
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r.toLowerCase()}
          </option>
        ))}
      </select>
      <label htmlFor="invite-email">For one email (optional)</label>
      <input id="invite-email" name="email" type="email" />
      <label htmlFor="invite-uses">Uses (for a link without an email)</label>
      <input id="invite-uses" name="maxUses" type="number" min={1} max={2000} defaultValue={100} />
      <label htmlFor="invite-days">Valid for (days)</label>
      <input id="invite-days" name="expiresInDays" type="number" min={1} max={120} defaultValue={14} />
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Making…" : "Make invitation link"}
      </button>
    </form>
  );
}

export function RevokeInvitation({ courseSlug, invitationId }: { courseSlug: string; invitationId: string }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(revokeInvitationAction, IDLE);
  return (
    <form action={formAction}>
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="invitationId" value={invitationId} />
      <button type="submit" className="button" disabled={pending}>
        Revoke
      </button>
      <FormMessage message={state.message} ok={state.ok} />
    </form>
  );
}
