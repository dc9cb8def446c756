// POST /api/v1/courses/{course}/labs/{lab}/suite-versions/{version}/publish:
// new submissions are graded against it from now on (the newest published
// version wins); publishing a published version changes nothing.
import { suiteVersionBody, wireSuiteVersion } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { publishSuiteVersion } from "@/lib/suites/suite-versions";
import { apiJson, apiRoute, versionParam } from "../../../../../../../api-route";

export const POST = apiRoute<{ course: string; lab: string; version: string }>("SUBMIT", async (_request, { actor }, params) => {
  const published = await publishSuiteVersion(db(), actor, { courseSlug: params.course, labSlug: params.lab, version: versionParam(params.version) });
  return apiJson(suiteVersionBody, wireSuiteVersion(published));
});
