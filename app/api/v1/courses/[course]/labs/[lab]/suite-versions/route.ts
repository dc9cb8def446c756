// GET /api/v1/courses/{course}/labs/{lab}/suite-versions: the lab's suite
// versions (newest first), reference solutions and recent dry runs, for its
// staff. POST: save a new version (a draft) from YAML, sent as the body
// (application/yaml) or as JSON {source}; the instructors only. An invalid
// document is a 422 whose `problems` name their lines; the same text as the
// newest version creates nothing (200 instead of 201).
import { suiteSourceRequest, suiteVersionBody, suiteVersionsBody, wireSuiteVersion } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { listDryRuns, listSuiteVersions, saveSuiteVersion } from "@/lib/suites/suite-versions";
import { apiJson, apiRoute, jsonBody, textBody } from "../../../../../api-route";

export const GET = apiRoute<{ course: string; lab: string }>("READ", async (_request, { actor }, params) => {
  const { lab, versions, references } = await listSuiteVersions(db(), actor, params.course, params.lab);
  const dryRuns = await listDryRuns(db(), lab.id);
  return apiJson(suiteVersionsBody, {
    versions: versions.map(wireSuiteVersion),
    references: references.map((r) => ({ name: r.name, expectPass: r.expectPass })),
    dryRuns: dryRuns.map((d) => ({
      submission: d.submissionId,
      version: d.version,
      reference: d.reference,
      expectPass: d.expectPass,
      status: d.status,
      score: d.score,
      maxScore: d.maxScore,
      asExpected: d.asExpected,
      createdAt: d.createdAt.toISOString(),
    })),
  });
});

const YAML_TYPES = new Set(["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"]);

export const POST = apiRoute<{ course: string; lab: string }>("SUBMIT", async (request, { actor }, params) => {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const { source } = YAML_TYPES.has(type) ? suiteSourceRequest.parse({ source: await textBody(request) }) : suiteSourceRequest.parse(await jsonBody(request));
  const { version, created } = await saveSuiteVersion(db(), actor, { courseSlug: params.course, labSlug: params.lab, source });
  return apiJson(suiteVersionBody, wireSuiteVersion(version), created ? 201 : 200);
});
