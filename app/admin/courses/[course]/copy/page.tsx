// /admin/courses/[course]/copy (platform admins): copy a course into a new
// term. The form starts with the course's title and its owners' emails;
// what is copied, and as what, is said above it (lib/platform/copy-course.ts).
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { courseToCopy } from "@/lib/platform/copy-course";
import { orNotFound } from "../../../../or-not-found";
import { CourseForm } from "../../../course-form";

export default async function CopyCoursePage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/admin/courses/${courseSlug}/copy`);
  const { course, ownerEmails, labs } = await orNotFound(courseToCopy(db(), actor, courseSlug));
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/admin">Platform</Link>
      </nav>
      <h1>Copy {course.title}</h1>
      <p className="muted">{course.term ? `${course.term} · ` : ""}{course.slug}</p>
      <section className="card">
        <p>
          The copy gets its {labs} lab{labs === 1 ? "" : "s"} as drafts without dates (publish each once its dates are set), each lab&apos;s published test suite as version 1
          (published) and any newer draft as version 2, and the reference solutions. Nobody in the course and nothing they submitted comes along.
        </p>
      </section>
      <CourseForm fromSlug={course.slug} values={{ slug: "", title: course.title, term: "", owners: ownerEmails.join(", ") }} />
    </>
  );
}
