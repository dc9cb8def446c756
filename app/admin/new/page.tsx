// /admin/new (platform admins): make a course and name its owners.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { orNotFound } from "../../or-not-found";
import { platformAdminOrThrow } from "@/lib/platform/platform-admin";
import { CourseForm } from "../course-form";

export default async function NewCoursePage() {
  const actor = await requireActor("/admin/new");
  await orNotFound(platformAdminOrThrow(actor));
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/admin">Platform</Link>
      </nav>
      <h1>New course</h1>
      <CourseForm fromSlug={null} values={{ slug: "", title: "", term: "", owners: "" }} />
    </>
  );
}
