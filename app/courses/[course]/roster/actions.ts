"use server";
// The roster page's actions: import a CSV, change a role, make a password
// link for a member, make or revoke an invitation link. Links are shown once,
// in the form's message, as full addresses to hand over.
import { headers } from "next/headers";
import { z } from "zod";
import { createPasswordLink } from "@/lib/auth/password-links";
import { requireActor } from "@/lib/auth/require-actor";
import { createInvitation, revokeInvitation } from "@/lib/courses/invitations";
import { importRoster, MAX_ROSTER_BYTES, setMemberRole } from "@/lib/courses/roster";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { StudentError } from "@/lib/errors";
import { actionState } from "../../../action-result";
import { problemsSummary, typedValues } from "../../../form-fields";
import type { ActionState } from "../../../action-state";

const NOT_YOURS = "This course or member is not one you manage";
const courseField = z.string().min(1).max(200);

async function inCourse(
  formData: FormData,
  work: (courseSlug: string, actor: Awaited<ReturnType<typeof requireActor>>) => Promise<string>,
  fieldOf?: (code: string) => string | undefined,
): Promise<ActionState> {
  const courseSlug = courseField.safeParse(formData.get("courseSlug"));
  if (!courseSlug.success) return { message: "The form was incomplete; reload the page", ok: false };
  const actor = await requireActor(`/courses/${courseSlug.data}/roster`);
  return actionState(() => work(courseSlug.data, actor), NOT_YOURS, `/courses/${courseSlug.data}/roster`, fieldOf);
}

/** The site's own origin for links: AUTH_URL when set, else what the request came to. */
async function absolute(path: string): Promise<string> {
  const base = config().AUTH_URL;
  if (base) return new URL(path, base).toString();
  const h = await headers();
  return `${h.get("x-forwarded-proto") ?? "http"}://${h.get("host") ?? "localhost"}${path}`;
}

/**
 * A refused import keeps the pasted lines (React resets a form after its
 * action) and shows the problem, with the bad lines, at the field the rows
 * came from: the file when one was chosen, else the pasted lines.
 */
export async function importRosterAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const file = formData.get("file");
  const hasFile = file instanceof File && file.size > 0;
  const field = hasFile ? "file" : "csv";
  const state = await inCourse(
    formData,
    async (courseSlug, actor) => {
      if (hasFile && file.size > MAX_ROSTER_BYTES) throw new StudentError("roster.too_big", "the roster file is larger than 2 MB");
      const csv = hasFile ? await file.text() : String(formData.get("csv") ?? "");
      if (csv.trim() === "") throw new StudentError("roster.empty", "choose a CSV file or paste its lines");
      const r = await importRoster(db(), actor, { courseSlug, csv });
      const waiting = r.waiting > 0 ? ` ${r.waiting} waiting until they confirm their email (listed below the roster).` : "";
      return `Imported: ${r.added} added (${r.newAccounts} new to the site), ${r.changed} with a new role, ${r.unchanged} unchanged.${waiting}`;
    },
    (code) => (code.startsWith("roster.") ? field : undefined),
  );
  if (state.ok) return state;
  const values = typedValues(formData);
  return state.fieldErrors ? { ...state, message: problemsSummary("Nothing was imported", state.fieldErrors), values } : { ...state, values };
}

const roleField = z.enum(["OWNER", "INSTRUCTOR", "TA", "STUDENT"], { message: "Choose a role" });

export async function setRoleAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return inCourse(formData, async (courseSlug, actor) => {
    const userId = z.string().min(1).max(100).parse(formData.get("userId"));
    const role = roleField.parse(formData.get("role"));
    await setMemberRole(db(), actor, { courseSlug, userId, role });
    return `Role changed to ${role.toLowerCase()}.`;
  });
}

export async function passwordLinkAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return inCourse(formData, async (courseSlug, actor) => {
    const userId = z.string().min(1).max(100).parse(formData.get("userId"));
    const link = await createPasswordLink(db(), actor, { courseSlug, userId });
    return `Give ${link.email} this link to set a password (valid until ${link.expiresAt.toISOString().slice(0, 16).replace("T", " ")} UTC, once): ${await absolute(link.path)}`;
  });
}

const invitationForm = z.object({
  role: roleField,
  email: z.string().trim().max(320).transform((v) => (v === "" ? null : v)),
  maxUses: z.coerce.number(),
  expiresInDays: z.coerce.number(),
});

export async function invitationAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return inCourse(formData, async (courseSlug, actor) => {
    const input = invitationForm.parse({ role: formData.get("role"), email: formData.get("email") ?? "", maxUses: formData.get("maxUses"), expiresInDays: formData.get("expiresInDays") });
    const { path, invitation } = await createInvitation(db(), actor, courseSlug, input);
    const who = invitation.email ? `for ${invitation.email}` : `for up to ${invitation.maxUses} people`;
    return `Invitation ${who} as ${invitation.role.toLowerCase()}, valid until ${invitation.expiresAt.toISOString().slice(0, 10)}: ${await absolute(path)}`;
  });
}

export async function revokeInvitationAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  return inCourse(formData, async (courseSlug, actor) => {
    await revokeInvitation(db(), actor, courseSlug, z.string().min(1).max(100).parse(formData.get("invitationId")));
    return "Invitation revoked.";
  });
}
