"use server";
// The platform admin's actions: make a course, copy one into a new term,
// archive or unarchive one. Each parses the form, calls one function of
// lib/platform/ and turns its answer into the form's state; a refusal by
// field (CourseFieldsError) goes to those fields.
import { z } from "zod";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { setCourseArchived } from "@/lib/platform/archive-course";
import { copyCourse } from "@/lib/platform/copy-course";
import { CourseFieldsError } from "@/lib/platform/course-fields";
import type { OwnerOutcome } from "@/lib/platform/course-owners";
import { createCourse } from "@/lib/platform/create-course";
import { actionState } from "../action-result";
import { sentence, type ActionState } from "../action-state";
import type { CourseFormState } from "./course-form-state";

const NOT_YOURS = "Only platform admins may do this";
const text = (formData: FormData, name: string) => {
  const value = formData.get(name);
  return typeof value === "string" ? value : "";
};
const courseForm = (formData: FormData) => ({ slug: text(formData, "slug"), title: text(formData, "title"), term: text(formData, "term"), owners: text(formData, "owners") });

const OUTCOME_WORDS: Record<OwnerOutcome, string> = {
  owner: "is an owner",
  "new account": "is an owner with a new account (they sign in through single sign-on, or with a password link from the course's roster page)",
  "waiting for email proof": "becomes an owner once they confirm their email (listed on the roster page meanwhile)",
};
const ownersSaid = (owners: Array<{ email: string; outcome: OwnerOutcome }>) => owners.map((o) => `${o.email} ${OUTCOME_WORDS[o.outcome]}`).join("; ");

/** The course form's answer: made, refused at fields, or refused as a whole. */
async function courseFormState(work: () => Promise<{ message: string; made: { slug: string; title: string } }>): Promise<CourseFormState> {
  let made: { slug: string; title: string } | undefined;
  let byField: CourseFieldsError | undefined;
  const state = await actionState(
    async () => {
      try {
        const result = await work();
        made = result.made;
        return result.message;
      } catch (err) {
        if (err instanceof CourseFieldsError) byField = err;
        throw err;
      }
    },
    NOT_YOURS,
    "/admin",
  );
  if (byField) return { ...state, fields: Object.fromEntries(Object.entries(byField.problems).map(([field, problem]) => [field, sentence(problem)])) };
  return made ? { ...state, made } : state;
}

export async function createCourseAction(_previous: CourseFormState, formData: FormData): Promise<CourseFormState> {
  const actor = await requireActor("/admin/new");
  return courseFormState(async () => {
    const { course, owners } = await createCourse(db(), actor, courseForm(formData));
    return { message: `Made ${course.title} (${course.slug}). ${ownersSaid(owners)}.`, made: { slug: course.slug, title: course.title } };
  });
}

export async function copyCourseAction(_previous: CourseFormState, formData: FormData): Promise<CourseFormState> {
  const fromSlug = z.string().min(1).max(200).safeParse(formData.get("fromSlug"));
  if (!fromSlug.success) return { message: "The form was incomplete; reload the page", ok: false };
  const actor = await requireActor(`/admin/courses/${fromSlug.data}/copy`);
  return courseFormState(async () => {
    const copy = await copyCourse(db(), actor, { fromSlug: fromSlug.data, ...courseForm(formData) });
    const what = `${copy.labs} lab${copy.labs === 1 ? "" : "s"} (drafts, without dates), ${copy.suiteVersions} suite version${copy.suiteVersions === 1 ? "" : "s"}, ${copy.references} reference solution${copy.references === 1 ? "" : "s"}`;
    return { message: `Copied ${fromSlug.data} into ${copy.course.title} (${copy.course.slug}): ${what}. ${ownersSaid(copy.owners)}.`, made: { slug: copy.course.slug, title: copy.course.title } };
  });
}

const archiveForm = z.object({ courseSlug: z.string().min(1).max(200), archived: z.enum(["true", "false"]) });

export async function archiveCourseAction(_previous: ActionState, formData: FormData): Promise<ActionState> {
  const parsed = archiveForm.safeParse({ courseSlug: formData.get("courseSlug"), archived: formData.get("archived") });
  if (!parsed.success) return { message: "The form was incomplete; reload the page", ok: false };
  const actor = await requireActor("/admin");
  const archived = parsed.data.archived === "true";
  return actionState(
    async () => {
      const { course, changed } = await setCourseArchived(db(), actor, { courseSlug: parsed.data.courseSlug, archived });
      if (!changed) return `${course.title} was already ${archived ? "archived" : "open"}.`;
      return archived ? `Archived ${course.title}: read-only and off everyone's course list.` : `Unarchived ${course.title}: open again.`;
    },
    NOT_YOURS,
    "/admin",
  );
}
