"use client";
// Archive or unarchive one course from the platform page (under its state, the answer below the button).
import { useActionState } from "react";
import { IDLE, type ActionState } from "../action-state";
import { FormMessage } from "../form-message";
import { archiveCourseAction } from "./actions";

export function ArchiveButton({ courseSlug, title, archived }: { courseSlug: string; title: string; archived: boolean }) {
  const [state, formAction, pending] = useActionState<ActionState, FormData>(archiveCourseAction, IDLE);
  return (
    <form action={formAction} className="form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="archived" value={archived ? "false" : "true"} />
      <button type="submit" className="button" disabled={pending} aria-label={`${archived ? "Unarchive" : "Archive"} ${title} (${courseSlug})`}>
        {archived ? "Unarchive" : "Archive"}
      </button>
      <FormMessage message={state.message} ok={state.ok} />
    </form>
  );
}
