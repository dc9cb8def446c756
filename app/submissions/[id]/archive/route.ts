// GET /submissions/[id]/archive: the archive as the student uploaded it, for
// the course's staff (lib/submissions/submission-code.ts audits each download);
// "not found" for everyone else, as for a missing submission.
import { currentActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { downloadSubmissionArchive } from "@/lib/submissions/submission-code";
import { sessionRoute } from "@/app/api/session-route";

const text = (body: string, status: number) => new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });

export const GET = sessionRoute(async function GET(_request: Request, context: { params: Promise<{ id: string }> }) {
  const actor = await currentActor();
  if (!actor) return text("sign in first\n", 401);
  const { id } = await context.params;
  try {
    const archive = await downloadSubmissionArchive(db(), actor, id);
    return new Response(new Uint8Array(archive.bytes), {
      headers: {
        "content-type": archive.gzipped ? "application/gzip" : "application/x-tar",
        "content-disposition": `attachment; filename="${archive.fileName}"`,
        "cache-control": "private, no-store",
      },
    });
  } catch (err) {
    if (err instanceof NotFoundError) return text("submission not found\n", 404);
    throw err;
  }
});
