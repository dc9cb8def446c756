// /courses/[course]/labs/[lab]/edit: an instructor edits a lab's settings.
// In an archived course the page says why nothing can be edited, and offers no form.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { getLabForEditorOrThrow } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { CourseReadOnly } from "../../../../../course-read-only";
import { orNotFound } from "../../../../../or-not-found";
import { LabForm } from "../../lab-form";
import { labFieldsOf } from "@/lib/labs/manage-labs";
import { FORM_CHOICES, formValues } from "../../lab-form-values";

export default async function EditLabPage({ params }: { params: Promise<{ course: string; lab: string }> }) {
  const { course: courseSlug, lab: labSlug } = await params;
  const actor = await requireActor(`/courses/${courseSlug}/labs/${labSlug}/edit`);
  const { course, lab } = await orNotFound(getLabForEditorOrThrow(db(), actor, courseSlug, labSlug, "edit labs", { toRead: true }));
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${course.slug}`}>{course.title}</Link> / <Link href={`/courses/${course.slug}/labs/${lab.slug}`}>{lab.title}</Link>
      </nav>
      <h1>Edit {lab.title}</h1>
      <p>
        <Link href={`/courses/${course.slug}/labs/${lab.slug}/suite`}>Test suite, reference solutions and dry runs</Link>
      </p>
      <section className="card">
        {course.archivedAt ? <CourseReadOnly title={course.title} /> : <LabForm courseSlug={course.slug} labSlug={lab.slug} values={formValues(labFieldsOf(lab))} {...FORM_CHOICES} />}
      </section>
    </>
  );
}
