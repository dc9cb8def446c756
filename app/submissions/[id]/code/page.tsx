// /submissions/[id]/code?file=…: a submission's files for its course's staff,
// as the sandbox unpacked them, and one file's text; every view is audited
// (lib/submissions/submission-code.ts). Everyone else gets a 404.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { getSubmissionForViewerOrThrow } from "@/lib/courses/access";
import { viewSubmissionCode } from "@/lib/submissions/submission-code";
import { formatBytes } from "../../../format";
import { orNotFound } from "../../../or-not-found";

export default async function SubmissionCodePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ file?: string | string[] }> }) {
  const { id } = await params;
  const { file } = await searchParams;
  const wanted = typeof file === "string" && file !== "" ? file : null;
  const actor = await requireActor(`/submissions/${id}/code`);
  const { entries, shown } = await orNotFound(viewSubmissionCode(db(), actor, id, wanted));
  const s = await getSubmissionForViewerOrThrow(db(), actor, id);
  const href = (path: string) => `/submissions/${id}/code?file=${encodeURIComponent(path)}`;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href={`/courses/${s.course.slug}`}>{s.course.title}</Link> / <Link href={`/courses/${s.course.slug}/labs/${s.lab.slug}`}>{s.lab.title}</Link> /{" "}
        <Link href={`/submissions/${id}`}>Submission</Link>
      </nav>
      <h1>Code of {s.user.name ?? s.user.email}&apos;s submission</h1>
      <p className="muted">Each view and download is recorded in the course&apos;s audit log.</p>
      <p>
        <a className="button" href={`/submissions/${id}/archive`} download data-testid="download-archive">
          Download the archive
        </a>
      </p>
      <div className="code-browser">
        <nav className="card code-files" aria-label="Files">
          <h2>Files ({entries.length})</h2>
          <ul data-testid="code-files">
            {entries.map((e) => (
              <li key={e.path}>
                {e.kind === "link" ? (
                  <span>
                    <code>{e.path}</code> <span className="muted">→ {e.target}</span>
                  </span>
                ) : (
                  // Never prefetched: a view is audited, so only a click may render one.
                  <Link href={href(e.path)} prefetch={false} aria-current={shown?.path === e.path ? "page" : undefined}>
                    <code>{e.path}</code>
                  </Link>
                )}{" "}
                {e.kind === "file" && <span className="muted">{formatBytes(e.sizeBytes)}</span>}
              </li>
            ))}
          </ul>
        </nav>
        <section className="card code-file">
          {shown ? (
            <>
              <h2>
                <code>{shown.path}</code> <span className="muted">{formatBytes(shown.sizeBytes)}</span>
              </h2>
              {shown.text === null ? (
                <p className="muted">A binary file; download the archive to read it.</p>
              ) : (
                <pre className="log" data-testid="code-file">
                  {shown.text}
                </pre>
              )}
              {shown.truncated && <p className="muted">Only the start is shown; download the archive for the whole file.</p>}
            </>
          ) : (
            <p className="muted">Choose a file.</p>
          )}
        </section>
      </div>
    </>
  );
}
