// What the course form shows after a submission: the ActionState's message,
// each problem at its field, and, once the course is made, where it is and
// how each owner was given their role.
import type { ActionState } from "../action-state";

export type CourseFormField = "slug" | "title" | "term" | "owners";

export interface CourseFormState extends ActionState {
  fields?: Partial<Record<CourseFormField, string>>;
  /** The course made, for the link under the form. */
  made?: { slug: string; title: string };
}
