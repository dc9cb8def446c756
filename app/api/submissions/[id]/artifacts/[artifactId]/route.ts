// GET /api/submissions/[id]/artifacts/[artifactId]: a test run's history,
// results, plot data or node log, for the signed-in viewer of the report it
// belongs to. Anything the viewer may not see (another student's, a hidden
// test's before release) is a 404, exactly like a missing one.
import { NextResponse } from "next/server";
import { currentActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { getArtifactForViewerOrThrow } from "@/lib/reports/run-report";
import { artifactResponse } from "../../../../artifact-response";
import { sessionRoute } from "../../../../session-route";

const NO_STORE = { "Cache-Control": "no-store" };

export const GET = sessionRoute(async function GET(request: Request, context: { params: Promise<{ id: string; artifactId: string }> }) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "sign in first" }, { status: 401, headers: NO_STORE });
  const { id, artifactId } = await context.params;
  try {
    const { artifact, bytes } = await getArtifactForViewerOrThrow(db(), actor, id.slice(0, 64), artifactId.slice(0, 64));
    return artifactResponse(request, artifact, bytes);
  } catch (err) {
    if (err instanceof NotFoundError) return NextResponse.json({ error: "artifact not found" }, { status: 404, headers: NO_STORE });
    throw err;
  }
});
