"use client";
// The form a platform admin makes a course with, or a course's copy: short
// name, title, term and owners. The inputs hold what was typed (a refused
// form comes back as it was sent), each problem is shown at its field.
import Link from "next/link";
import { useActionState, useState } from "react";
import { FormMessage } from "../form-message";
import { copyCourseAction, createCourseAction } from "./actions";
import type { CourseFormField, CourseFormState } from "./course-form-state";

export interface CourseFormValues {
  slug: string;
  title: string;
  term: string;
  owners: string;
}

const IDLE: CourseFormState = { message: null, ok: false };

/** `fromSlug`: the course to copy; null makes a new, empty course. */
export function CourseForm({ fromSlug, values }: { fromSlug: string | null; values: CourseFormValues }) {
  const [state, formAction, pending] = useActionState<CourseFormState, FormData>(fromSlug === null ? createCourseAction : copyCourseAction, IDLE);
  const [typed, setTyped] = useState(values);
  const input = (name: CourseFormField) => ({
    id: `course-${name}`,
    name,
    value: typed[name],
    onChange: (event: { currentTarget: { value: string } }) => setTyped({ ...typed, [name]: event.currentTarget.value }),
    "aria-invalid": state.fields?.[name] ? true : undefined,
    "aria-describedby": [`course-${name}-hint`, state.fields?.[name] ? `course-${name}-error` : null].filter(Boolean).join(" "),
  });
  const problem = (name: CourseFormField) =>
    state.fields?.[name] && (
      <p className="form-error" id={`course-${name}-error`}>
        {state.fields[name]}
      </p>
    );
  return (
    <form action={formAction} className="form" data-testid="course-form">
      {fromSlug !== null && <input type="hidden" name="fromSlug" value={fromSlug} />}
      <label htmlFor="course-slug">Short name</label>
      <input type="text" required maxLength={63} placeholder="ds-spring-27" {...input("slug")} />
      <p className="field-hint muted" id="course-slug-hint">
        In the course&apos;s address; lowercase letters, digits and dashes, unique on the platform. It cannot change later.
      </p>
      {problem("slug")}
      <label htmlFor="course-title">Title</label>
      <input type="text" required maxLength={200} {...input("title")} />
      <p className="field-hint muted" id="course-title-hint">
        What students see, e.g. Distributed Systems.
      </p>
      {problem("title")}
      <label htmlFor="course-term">Term (optional)</label>
      <input type="text" maxLength={100} placeholder="Spring 2027" {...input("term")} />
      <p className="field-hint muted" id="course-term-hint">
        Shown under the title.
      </p>
      {problem("term")}
      <label htmlFor="course-owners">Owners&apos; emails</label>
      <textarea rows={3} className="code-input" placeholder="ada@uni.edu, grace@uni.edu" {...input("owners")} />
      <p className="field-hint muted" id="course-owners-hint">
        Separated by commas or lines. An account that confirmed its email becomes an owner at once; an email new here gets an account (signed in by single sign-on or a password link from the roster page); an account that never confirmed its email becomes an owner once it does.
      </p>
      {problem("owners")}
      <FormMessage message={state.message} ok={state.ok} />
      {state.made && (
        <p>
          <Link href={`/courses/${state.made.slug}`}>Open {state.made.title}</Link>
        </p>
      )}
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? (fromSlug === null ? "Making…" : "Copying…") : fromSlug === null ? "Make course" : "Copy course"}
      </button>
    </form>
  );
}
