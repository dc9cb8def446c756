// GET /api/submissions/[id]: a submission's current status, for the page that
// watches it. Same visibility as the page (getSubmissionForViewerOrThrow);
// someone else's submission is a 404, exactly like a missing one.
import { NextResponse } from "next/server";
import { z } from "zod";
import { currentActor } from "@/lib/auth/require-actor";
import { getSubmissionForViewerOrThrow } from "@/lib/courses/access";
import { db } from "@/lib/db";
import { queuePlace, wireQueuePlace } from "@/lib/jobs/queue-place";
import { NotFoundError } from "@/lib/errors";
import { sessionRoute } from "../../session-route";

const paramsSchema = z.object({ id: z.string().min(1).max(64) });
const NO_STORE = { "Cache-Control": "no-store" };

export const GET = sessionRoute(async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "sign in first" }, { status: 401, headers: NO_STORE });
  const params = paramsSchema.safeParse(await context.params);
  if (!params.success) return NextResponse.json({ error: "submission not found" }, { status: 404, headers: NO_STORE });
  try {
    const s = await getSubmissionForViewerOrThrow(db(), actor, params.data.id);
    const place = s.status === "QUEUED" ? await queuePlace(db(), s.id) : null;
    return NextResponse.json(
      {
        id: s.id,
        status: s.status,
        statusDetail: s.statusDetail,
        score: s.score,
        maxScore: s.maxScore,
        finalScore: s.finalScore,
        createdAt: s.createdAt,
        startedAt: s.startedAt,
        finishedAt: s.finishedAt,
        queue: place && wireQueuePlace(place),
      },
      { headers: NO_STORE },
    );
  } catch (err) {
    if (err instanceof NotFoundError) return NextResponse.json({ error: "submission not found" }, { status: 404, headers: NO_STORE });
    throw err;
  }
});
