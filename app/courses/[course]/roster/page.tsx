// /courses/[course]/roster: the course's members for its staff; owners and
// instructors also import a roster, change roles, make password links and
// invitation links. Students get a 404. An archived course's roster is read
// by everyone on its staff, with no form (none could be saved).
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { isEditor } from "@/lib/courses/access";
import { listOpenInvitations } from "@/lib/courses/invitations";
import { listRoster } from "@/lib/courses/roster";
import { db } from "@/lib/db";
import { CourseReadOnly } from "../../../course-read-only";
import { orNotFound } from "../../../or-not-found";
import { InvitationForm, MemberActions, RevokeInvitation, RosterImport } from "./roster-forms";
import { LocalTime } from "../../../local-time";
import { TableScroll } from "../../../table-scroll";

export default async function RosterPage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/roster`);
  const { course, role, members, waiting } = await orNotFound(listRoster(db(), actor, courseSlug));
  const editor = actor.isPlatformAdmin || isEditor(role);
  const writable = editor && !course.archivedAt;
  const invitations = editor ? await listOpenInvitations(db(), actor, courseSlug) : [];
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link>
      </nav>
      <h1>Roster</h1>
      <p className="muted">
        {members.length} member{members.length === 1 ? "" : "s"}. Pseudonyms are what other students see on leaderboards.
      </p>
      {course.archivedAt && <CourseReadOnly title={course.title} />}
      <section className="card">
        <TableScroll label="Members">
          <table className="table table-compact" data-testid="roster">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Pseudonym</th>
                <th scope="col">Signs in with</th>
                {writable && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <td>{m.email}</td>
                  <td>{m.name}</td>
                  <td>{m.role.toLowerCase()}</td>
                  <td>{m.pseudonym}</td>
                  <td className={m.signIn === "none yet" ? "muted" : undefined}>{m.signIn}</td>
                  {writable && <td>{m.userId !== actor.userId && <MemberActions courseSlug={course.slug} userId={m.userId} email={m.email} role={m.role} />}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
      {waiting.length > 0 && (
        <section className="card">
          <h2>Waiting for a confirmed email</h2>
          <p className="muted">These addresses have an account that never confirmed it receives mail there, so the import gave them no role yet. Each takes its role the moment its owner confirms the address (a button on their account page).</p>
          <TableScroll label="Waiting for a confirmed email">
            <table className="table table-compact" data-testid="waiting">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Imported</th>
                </tr>
              </thead>
              <tbody>
                {waiting.map((w) => (
                  <tr key={w.email}>
                    <td>{w.email}</td>
                    <td>{w.role.toLowerCase()}</td>
                    <td><LocalTime date={w.createdAt} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </section>
      )}
      {writable && (
        <div className="card-grid">
          <section className="card">
            <h2>Import a roster</h2>
            <p className="muted">A CSV file whose first line names its columns: <code>email</code>, and optionally <code>name</code>, <code>role</code> (student, ta, instructor) and <code>pseudonym</code>. Other columns are ignored. A file with any bad row imports nothing.</p>
            <RosterImport courseSlug={course.slug} />
          </section>
          <section className="card">
            <h2>Invitation links</h2>
            {invitations.length > 0 && (
              <table className="table table-compact" data-testid="invitations">
                <thead>
                  <tr>
                    <th scope="col">For</th>
                    <th scope="col">Used</th>
                    <th scope="col">Until</th>
                    <th scope="col" />
                  </tr>
                </thead>
                <tbody>
                  {invitations.map((i) => (
                    <tr key={i.id}>
                      <td>
                        {i.email ?? "anyone with the link"} as {i.role.toLowerCase()}
                      </td>
                      <td>
                        {i.uses} / {i.maxUses}
                      </td>
                      <td><LocalTime date={i.expiresAt} /></td>
                      <td>
                        <RevokeInvitation courseSlug={course.slug} invitationId={i.id} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <InvitationForm courseSlug={course.slug} />
          </section>
        </div>
      )}
    </>
  );
}
