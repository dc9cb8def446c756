"use client";
// The regrade form on the grading page; works without JavaScript too.
import { useActionState } from "react";
import { FormMessage } from "../../../form-message";
import { regradeLab, type RegradeState } from "./actions";

export function RegradeForm({ courseSlug, labs }: { courseSlug: string; labs: Array<{ slug: string; title: string }> }) {
  const [state, formAction, pending] = useActionState<RegradeState, FormData>(regradeLab, { message: null, ok: false });
  return (
    <form action={formAction} className="form" data-testid="regrade-form">
      <input type="hidden" name="courseSlug" value={courseSlug} />
      <label htmlFor="regrade-lab">Lab</label>
      <select id="regrade-lab" name="labSlug" required defaultValue="">
        <option value="" disabled>
          Choose a lab
        </option>
        {labs.map((lab) => (
          <option key={lab.slug} value={lab.slug}>
            {lab.title}
          </option>
        ))}
      </select>
      <label htmlFor="regrade-scope">Submissions</label>
      <select id="regrade-scope" name="scope" defaultValue="latest-per-student">
        <option value="latest-per-student">Each student&apos;s latest</option>
        <option value="all">All of them</option>
      </select>
      <FormMessage message={state.message} ok={state.ok} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? "Starting…" : "Regrade against the current suite"}
      </button>
    </form>
  );
}
