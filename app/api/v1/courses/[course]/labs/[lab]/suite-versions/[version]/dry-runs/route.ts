// POST /api/v1/courses/{course}/labs/{lab}/suite-versions/{version}/dry-runs:
// grade every reference solution of the lab against that version (draft or
// published); the outcomes appear in the suite versions' dryRuns.
import { dryRunBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { startDryRun } from "@/lib/suites/suite-versions";
import { apiJson, apiRoute, versionParam } from "../../../../../../../api-route";

export const POST = apiRoute<{ course: string; lab: string; version: string }>("SUBMIT", async (_request, { actor }, params) => {
  const started = await startDryRun({ db: db(), queue: gradingQueue() }, actor, { courseSlug: params.course, labSlug: params.lab, version: versionParam(params.version) });
  return apiJson(dryRunBody, started, 202);
});
