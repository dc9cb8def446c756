// GET /api/v1/courses/{course}/labs: the course's labs I may see, with deadlines and my best score.
import { iso, labsBody } from "@/lib/api/schemas";
import { listLabsForMember } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { bestScoresByLab } from "@/lib/submissions/best-scores";
import { apiJson, apiRoute } from "../../../api-route";

export const GET = apiRoute<{ course: string }>("READ", async (_request, { actor }, params) => {
  const { labs } = await listLabsForMember(db(), actor, params.course);
  const best = await bestScoresByLab(db(), actor, labs.map((l) => l.id));
  return apiJson(labsBody, {
    labs: labs.map((l) => ({ slug: l.slug, title: l.title, opensAt: iso(l.opensAt), dueAt: iso(l.dueAt), published: l.published, maxArchiveBytes: l.maxArchiveBytes, bestScore: best.get(l.id) ?? null })),
  });
});
