"use client";
// Upload of a solution archive. The file goes as the body of a POST to our
// upload route (app/api/courses/[course]/labs/[lab]/submissions), which reads
// no further than the lab's limit, so the form takes every size the lab
// promises; a larger file is refused here before anything is sent, and any
// refusal from the server (limit, deadline, archive) is the form's message.
// On success the student goes to the new submission's page.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { formatMiB } from "@/lib/labs/archive-size";
import { postArchive, tooLargeForLab } from "../../../../post-archive";

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
  const router = useRouter();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const fileError = file ? tooLargeForLab(file.size, maxArchiveBytes) : null;
  const shown = fileError ?? error;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file || file.size === 0) return setError(`Choose a .tar.gz or .tar file to submit${file ? " (the chosen file is empty)" : ""}`);
    if (fileError) return;
    setPending(true);
    setError(null);
    const posted = await postArchive(`/api/courses/${encodeURIComponent(courseSlug)}/labs/${encodeURIComponent(labSlug)}/submissions`, file, "This lab is not open to you");
    if (posted.ok && typeof posted.body.url === "string") {
      // Stays "Uploading…" until the submission's page replaces this one.
      router.push(posted.body.url);
      return;
    }
    setError(posted.ok ? "The server's answer was not understood; reload the page to see whether the submission arrived" : posted.message);
    setPending(false);
  }

  return (
    <form onSubmit={submit} className="form submit-form">
      <label htmlFor="archive">Solution archive (.tar.gz or .tar, at most {formatMiB(maxArchiveBytes)})</label>
      <input
        id="archive"
        name="archive"
        type="file"
        accept=".tar.gz,.tgz,.tar,application/gzip,application/x-gzip,application/x-tar"
        required
        onChange={(event) => {
          setFile(event.currentTarget.files?.[0] ?? null);
          setError(null);
        }}
      />
      {shown && (
        <p className="form-error" role="alert">
          {shown}
        </p>
      )}
      {blockedReason ? (
        <p className="form-note">{blockedReason}</p>
      ) : (
        <button type="submit" className="button button-primary" disabled={pending || fileError !== null}>
          {pending ? "Uploading…" : "Submit for grading"}
        </button>
      )}
    </form>
  );
}
