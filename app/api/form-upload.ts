// The web forms' upload routes (a submission from the lab page, a reference
// solution from the suite page) take the archive as the request body, for the
// signed-in person. They are route handlers rather than server actions because
// Next reads an action's whole body into memory before any of our code runs;
// a route reads the body only once the domain function has checked everything
// else, and no further than the lab's limit. A session cookie goes along with
// a form another site makes the browser post, so only requests that name one
// of this site's pages as their Origin (browsers always do on a POST) pass.
import "server-only";
import { currentActor } from "@/lib/auth/require-actor";
import { config } from "@/lib/config";
import type { Actor } from "@/lib/courses/access";
import { apiError } from "./v1/api-route";

function fromOwnPage(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const authUrl = config().AUTH_URL;
  return host === request.headers.get("host") || (authUrl !== undefined && host === new URL(authUrl).host);
}

/** The uploader, or the answer that refuses them (401 without a session, 403 `auth.origin` from elsewhere). */
export async function formUploader(request: Request): Promise<{ actor: Actor } | { refusal: Response }> {
  const actor = await currentActor();
  if (!actor) return { refusal: apiError(401, "auth.session", "your session has ended; sign in again and upload again") };
  if (!fromOwnPage(request)) return { refusal: apiError(403, "auth.origin", "upload from the lab's page on this site") };
  return { actor };
}
