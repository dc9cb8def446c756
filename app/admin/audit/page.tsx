// /admin/audit (platform admins): the audit log of every course, newest
// first, filtered by course, actor and action (a plain GET form, so a
// filtered page is a link to share), a page at a time.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { StudentError } from "@/lib/errors";
import { listAuditLog, type AuditFilter } from "@/lib/platform/audit-log";
import { platformAdminOrThrow } from "@/lib/platform/platform-admin";
import { sentence } from "../../action-state";
import { LocalTime } from "../../local-time";
import { orNotFound } from "../../or-not-found";
import { TableScroll } from "../../table-scroll";

export const dynamic = "force-dynamic";

type Search = Record<string, string | string[] | undefined>;
const one = (value: string | string[] | undefined) => (typeof value === "string" ? value.trim() : "");

/** An entry's details as "key: value" pairs, so a long one wraps between them. */
function detailsText(details: unknown): string {
  if (details === null || typeof details !== "object" || Array.isArray(details)) return JSON.stringify(details);
  return Object.entries(details).map(([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`).join(" · ");
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Search> }) {
  const search = await searchParams;
  const actor = await orNotFound(platformAdminOrThrow(await requireActor("/admin/audit")));
  const pageText = one(search.page);
  const filter: AuditFilter = { courseSlug: one(search.course) || undefined, actor: one(search.actor) || undefined, action: one(search.action) || undefined, page: pageText === "" ? 1 : Number(pageText) };
  let log: Awaited<ReturnType<typeof listAuditLog>> | null = null;
  let refused: string | null = null;
  try {
    log = await listAuditLog(db(), actor, filter);
  } catch (err) {
    if (!(err instanceof StudentError)) throw err;
    refused = sentence(err.message);
  }
  // The filter choices, also when the filter itself was refused.
  const choices = log ?? (await listAuditLog(db(), actor, { page: 1 }));
  const pageLink = (page: number) => {
    const query = new URLSearchParams();
    if (filter.courseSlug) query.set("course", filter.courseSlug);
    if (filter.actor) query.set("actor", filter.actor);
    if (filter.action) query.set("action", filter.action);
    query.set("page", String(page));
    return `/admin/audit?${query.toString()}`;
  };
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/admin">Platform</Link>
      </nav>
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit" className="form card" data-testid="audit-filter">
        <div className="form-row">
          <div>
            <label htmlFor="audit-course">Course</label>
            <select id="audit-course" name="course" defaultValue={filter.courseSlug ?? ""}>
              <option value="">every course</option>
              {choices.courses.map((slug) => (
                <option key={slug} value={slug}>
                  {slug}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label htmlFor="audit-actor">Actor (part of an email)</label>
            <input id="audit-actor" name="actor" type="text" defaultValue={filter.actor ?? ""} />
          </div>
          <div>
            <label htmlFor="audit-action">Action</label>
            <select id="audit-action" name="action" defaultValue={filter.action ?? ""}>
              <option value="">every action</option>
              {choices.actions.map((action) => (
                <option key={action} value={action}>
                  {action}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit" className="button">
          Filter
        </button>
      </form>
      {refused && (
        <div className="form-error" role="alert">
          <p>{refused}</p>
        </div>
      )}
      {log && (
        <section className="card">
          <p className="muted" data-testid="audit-count">
            {log.total} entr{log.total === 1 ? "y" : "ies"}; page {log.page} of {log.pageCount}
          </p>
          {log.entries.length > 0 && (
            <TableScroll label="Audit log entries">
              <table className="table table-compact" data-testid="audit-entries">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Course</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {log.entries.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <LocalTime date={e.createdAt} />
                      </td>
                      <td>{e.course?.slug ?? <span className="muted">—</span>}</td>
                      <td>{e.actor?.email ?? <span className="muted">—</span>}</td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td>{e.targetType ? `${e.targetType} ${e.targetId ?? ""}` : <span className="muted">—</span>}</td>
                      <td>
                        <code>{detailsText(e.details)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          {log.pageCount > 1 && (
            <nav aria-label="Pages" className="staff-links">
              {log.page > 1 && <Link href={pageLink(log.page - 1)}>Newer entries</Link>}
              {log.page < log.pageCount && <Link href={pageLink(log.page + 1)}>Older entries</Link>}
            </nav>
          )}
        </section>
      )}
    </>
  );
}
