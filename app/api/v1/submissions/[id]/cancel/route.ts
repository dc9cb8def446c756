// POST /api/v1/submissions/{id}/cancel: cancel a queued or running grading
// (lib/submissions/cancel-submission.ts): one's own, or as staff any of the
// course's. A finished one is refused (422), a staff regrade refused to its
// student (403), someone else's submission is not found (404).
import { cancelledBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { cancelSubmission } from "@/lib/submissions/cancel-submission";
import { apiJson, apiRoute } from "../../../api-route";

export const POST = apiRoute<{ id: string }>("SUBMIT", async (_request, { actor }, params) => {
  const id = params.id.slice(0, 64);
  await cancelSubmission(db(), actor, id);
  const s = await db().submission.findUniqueOrThrow({ where: { id }, select: { id: true, status: true, statusDetail: true } });
  return apiJson(cancelledBody, s, 202);
});
