// GET /api/v1/submissions/{id}/artifacts/{artifactId}: a test run's history,
// results, plot data or node log, with a read token; the same rules as the
// report page (a hidden test's artifacts are as unreachable as its verdict).
import { db } from "@/lib/db";
import { getArtifactForViewerOrThrow } from "@/lib/reports/run-report";
import { artifactResponse } from "../../../../../artifact-response";
import { apiRoute } from "../../../../api-route";

export const GET = apiRoute<{ id: string; artifactId: string }>("READ", async (request, { actor }, params) => {
  const { artifact, bytes } = await getArtifactForViewerOrThrow(db(), actor, params.id.slice(0, 64), params.artifactId.slice(0, 64));
  return artifactResponse(request, artifact, bytes);
});
