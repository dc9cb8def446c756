// GET /api/v1/courses/{course}/grades: the course's grade table for its staff
// (lib/grades/export.ts), as JSON; grades.csv is the same table as CSV.
import { gradesBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { gradeTable } from "@/lib/grades/export";
import { apiJson, apiRoute } from "../../../api-route";

export const GET = apiRoute<{ course: string }>("READ", async (_request, { actor }, params) => {
  const table = await gradeTable(db(), actor, params.course);
  return apiJson(gradesBody, {
    course: params.course,
    labs: table.labs.map((l) => ({ slug: l.slug, title: l.title })),
    students: table.rows,
  });
});
