// A stored artifact as an HTTP response, for the report page's downloads and
// the API: JSON or plain text by name, a file name for saving, and an ETag of
// its content (artifacts never change once stored) so a second fetch of the
// same plot or history is a 304. `private`: they are one person's results.
import "server-only";

interface ArtifactLike {
  name: string;
  sha256: string;
  truncated: boolean;
}

export function artifactResponse(request: Request, artifact: ArtifactLike, bytes: Buffer): Response {
  const etag = `"${artifact.sha256}"`;
  const headers: Record<string, string> = {
    "Content-Type": artifact.name.endsWith(".json") ? "application/json" : "text/plain; charset=utf-8",
    "Content-Disposition": `attachment; filename="${artifact.name.replace(/[^\w.-]/g, "_")}"`,
    "Cache-Control": "private, no-cache",
    ETag: etag,
    "X-Content-Type-Options": "nosniff",
    ...(artifact.truncated ? { "X-Labgrade-Truncated": "true" } : {}),
  };
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(bytes), { status: 200, headers });
}
