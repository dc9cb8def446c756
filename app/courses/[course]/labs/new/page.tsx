// /courses/[course]/labs/new: an instructor creates a lab (a draft until published).
// In an archived course the page says why no lab can be made, and offers no form.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { getCourseForEditorOrThrow } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { CourseReadOnly } from "../../../../course-read-only";
import { orNotFound } from "../../../../or-not-found";
import { LabForm } from "../lab-form";
import { FORM_CHOICES, NEW_LAB_VALUES } from "../lab-form-values";

export default async function NewLabPage({ params }: { params: Promise<{ course: string }> }) {
  const { course: courseSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/labs/new`);
  const { course } = await orNotFound(getCourseForEditorOrThrow(db(), actor, courseSlug, "create labs", { toRead: true }));
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link>
      </nav>
      <h1>New lab</h1>
      <p className="muted">The lab stays a draft, seen by staff only, until you publish it. Its test suite comes next.</p>
      <section className="card">
        {course.archivedAt ? <CourseReadOnly title={course.title} /> : <LabForm courseSlug={course.slug} labSlug={null} values={NEW_LAB_VALUES} {...FORM_CHOICES} />}
      </section>
    </>
  );
}
