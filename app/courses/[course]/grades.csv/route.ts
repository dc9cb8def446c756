// GET /courses/[course]/grades.csv: the course's grade table for its staff
// (lib/grades/export.ts); "not found" for everyone else, as for a missing course.
import { currentActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { gradeCsv, gradeCsvResponse, gradeTable } from "@/lib/grades/export";
import { sessionRoute } from "@/app/api/session-route";

export const GET = sessionRoute(async function GET(_request: Request, context: { params: Promise<{ course: string }> }) {
  const actor = await currentActor();
  if (!actor) return new Response("sign in first\n", { status: 401, headers: { "content-type": "text/plain; charset=utf-8" } });
  const { course } = await context.params;
  try {
    return gradeCsvResponse(course, gradeCsv(await gradeTable(db(), actor, course)));
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ForbiddenError) return new Response("course not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
    throw err;
  }
});
