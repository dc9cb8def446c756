// GET /api/v1/courses/{course}/grades.csv: the course's grade table for its
// staff as CSV, the same file as the course page's export.
import { db } from "@/lib/db";
import { gradeCsv, gradeCsvResponse, gradeTable } from "@/lib/grades/export";
import { apiRoute } from "../../../api-route";

export const GET = apiRoute<{ course: string }>("READ", async (_request, { actor }, params) => gradeCsvResponse(params.course, gradeCsv(await gradeTable(db(), actor, params.course))));
