// GET /api/v1/courses/{course}/labs: the course's labs I may see, with deadlines and my best score.
// POST: instructors make a lab (a draft unless `published`), Maelstrom or native, as the lab form does.
import { createLabRequest, iso, labCreatedBody, labsBody } from "@/lib/api/schemas";
import { listLabsForMember } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { createLab, NEW_LAB_FIELDS, type LabFields } from "@/lib/labs/manage-labs";
import { bestScoresByLab } from "@/lib/submissions/best-scores";
import { apiJson, apiRoute, jsonBody } from "../../../api-route";

export const GET = apiRoute<{ course: string }>("READ", async (_request, { actor }, params) => {
  const { labs } = await listLabsForMember(db(), actor, params.course);
  const best = await bestScoresByLab(db(), actor, labs.map((l) => l.id));
  return apiJson(labsBody, {
    labs: labs.map((l) => ({ slug: l.slug, title: l.title, opensAt: iso(l.opensAt), dueAt: iso(l.dueAt), published: l.published, maxArchiveBytes: l.maxArchiveBytes, bestScore: best.get(l.id) ?? null })),
  });
});

export const POST = apiRoute<{ course: string }>("SUBMIT", async (request, { actor }, params) => {
  const { slug, ...given } = createLabRequest.parse(await jsonBody(request));
  const dates = new Set(["opensAt", "dueAt", "resultsReleasedAt"]);
  const set = Object.fromEntries(
    Object.entries(given)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [key, dates.has(key) && typeof value === "string" ? new Date(value) : value]),
  );
  // createLab checks every field against the lab schema (the form's), so a bad value is a 400 with its words.
  const lab = await createLab(db(), actor, { courseSlug: params.course, slug, fields: { ...NEW_LAB_FIELDS, ...set } as LabFields });
  return apiJson(labCreatedBody, { slug: lab.slug, title: lab.title, protocol: lab.protocol, published: lab.published, url: `/courses/${params.course}/labs/${lab.slug}` }, 201);
});
