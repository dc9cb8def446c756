// GET /api/v1/regrades/{id}: a regrade batch's progress, for the course's staff.
import { regradeProgressBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { regradeProgress } from "@/lib/jobs/regrade";
import { apiJson, apiRoute } from "../../api-route";

export const GET = apiRoute<{ id: string }>("READ", async (_request, { actor }, params) => {
  const { batchId, ...progress } = await regradeProgress(db(), actor, params.id.slice(0, 64));
  return apiJson(regradeProgressBody, { id: batchId, ...progress });
});
