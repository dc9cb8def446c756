// The one place that turns the domain's refusals into a form's ActionState:
// a StudentError, ForbiddenError or a schema's complaint becomes the form's
// message (with the lines of a suite or roster, when the error has them);
// NotFoundError becomes `notFound`, the words for "not in a course you may
// change" (never which one exists). `fieldOf` names the form's field a
// StudentError's code is about, so the form shows it there. Anything else is a bug and propagates to
// the error page (so does Next's redirect). After a success the page at
// `revalidate`, if given, is rendered afresh.
import "server-only";
import { revalidatePath } from "next/cache";
import { ZodError } from "zod";
import { RosterInvalidError } from "@/lib/courses/roster";
import { ForbiddenError, NotFoundError, StudentError } from "@/lib/errors";
import { SuiteInvalidError } from "@/lib/suites/suite-versions";
import { sentence, type ActionState } from "./action-state";

export async function actionState(work: () => Promise<string>, notFound: string, revalidate?: string, fieldOf?: (code: string) => string | undefined): Promise<ActionState> {
  try {
    const message = await work();
    if (revalidate) revalidatePath(revalidate);
    return { message, ok: true };
  } catch (err) {
    if (err instanceof ZodError) return { message: sentence(err.issues[0]?.message ?? "The form was incomplete"), ok: false };
    if (err instanceof StudentError || err instanceof ForbiddenError) {
      const message = sentence(err.message);
      const field = err instanceof StudentError ? fieldOf?.(err.code) : undefined;
      const at = field ? { fieldErrors: { [field]: message } } : {};
      if (err instanceof SuiteInvalidError) return { message, ok: false, ...at, problems: err.errors.map((e) => ({ line: e.line, message: e.path ? `${e.path}: ${e.message}` : e.message })) };
      if (err instanceof RosterInvalidError) return { message, ok: false, ...at, problems: err.problems };
      return { message, ok: false, ...at };
    }
    if (err instanceof NotFoundError) return { message: notFound, ok: false };
    throw err;
  }
}
