// GET /api/v1/courses: the courses I belong to, with my role.
import { coursesBody } from "@/lib/api/schemas";
import { listMyCourses } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { apiJson, apiRoute } from "../api-route";

export const GET = apiRoute("READ", async (_request, { actor }) => {
  const courses = await listMyCourses(db(), actor);
  return apiJson(coursesBody, { courses: courses.map((c) => ({ slug: c.slug, title: c.title, term: c.term, role: c.role })) });
});
