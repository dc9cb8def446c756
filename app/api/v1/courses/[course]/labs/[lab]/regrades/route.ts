// POST /api/v1/courses/{course}/labs/{lab}/regrades: staff grade again one
// submission, each student's latest, or all of the lab's, against its newest
// published suite version (lib/jobs/regrade.ts); follow the batch at its url.
import { regradeRequest, regradeStartedBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { startRegrade } from "@/lib/jobs/regrade";
import { gradingQueue } from "@/lib/queue";
import { apiJson, apiRoute, jsonBody } from "../../../../../api-route";

export const POST = apiRoute<{ course: string; lab: string }>("SUBMIT", async (request, { actor }, params) => {
  const body = regradeRequest.parse(await jsonBody(request));
  const scope = body.scope === "one" ? { kind: "one" as const, submissionId: body.submission } : { kind: body.scope };
  const started = await startRegrade({ db: db(), queue: gradingQueue() }, actor, { courseSlug: params.course, labSlug: params.lab, scope });
  return apiJson(regradeStartedBody, { id: started.batchId, suiteVersion: started.suiteVersion, total: started.total, skipped: started.skipped, url: `/api/v1/regrades/${started.batchId}` }, 202);
});
