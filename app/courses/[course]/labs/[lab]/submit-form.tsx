"use client";
// Upload of a solution archive. The size is checked here first because the
// server refuses oversized request bodies before our code could explain why.
import { useActionState, useState } from "react";
import { submitSolution, type SubmitState } from "./actions";

function formatMiB(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

export function SubmitForm({
  courseSlug,
  labSlug,
  maxArchiveBytes,
  blockedReason,
}: {
  courseSlug: string;
  labSlug: string;
  maxArchiveBytes: number;
  /** Set when the student cannot submit right now (limit reached); shown instead of the button. */
  blockedReason: string | null;
}) {
  const [state, formAction, pending] = useActionState<SubmitState, FormData>(submitSolution, { error: null });
  const [localError, setLocalError] = useState<string | null>(null);
  const error = localError ?? state.error;
  return (
    <form action={formAction} className="form submit-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <input type="hidden" name="labSlug" value={labSlug} />
      <label htmlFor="archive">Solution archive (.tar.gz or .tar, at most {formatMiB(maxArchiveBytes)})</label>
      <input
        id="archive"
        name="archive"
        type="file"
        accept=".tar.gz,.tgz,.tar,application/gzip,application/x-gzip,application/x-tar"
        required
        onChange={(event) => {
          const file = event.currentTarget.files?.[0];
          setLocalError(
            file && file.size > maxArchiveBytes ? `This file is ${formatMiB(file.size)}; the limit is ${formatMiB(maxArchiveBytes)}` : null,
          );
        }}
      />
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {blockedReason ? (
        <p className="form-note">{blockedReason}</p>
      ) : (
        <button type="submit" className="button button-primary" disabled={pending || localError !== null}>
          {pending ? "Uploading…" : "Submit for grading"}
        </button>
      )}
    </form>
  );
}
