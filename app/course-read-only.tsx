// What a staff form of an archived course shows instead of itself: the course
// is read-only (lib/courses/access.ts refuses every change in it), so a form
// that could never be saved is not offered; the words are the refusal's own.
import { CourseArchivedError } from "@/lib/courses/access";

export function CourseReadOnly({ title }: { title: string }) {
  return (
    <p className="form-note" data-testid="course-read-only">
      {new CourseArchivedError(title).message}.
    </p>
  );
}
