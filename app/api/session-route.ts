// Routes signed in by the session cookie rather than a personal token (the
// submission page's polling, artifacts, downloads, the forms' uploads) answer their own refusals
// in their own words, but a database outage the way /api/v1 does: 503
// `service.unavailable` with Retry-After (v1/api-route.ts), never a bare 500.
// The wrapper covers the session's own lookup too (currentActor).
import "server-only";
import { isConnectionLoss } from "@/lib/db";
import { databaseUnavailableResponse } from "./v1/api-route";

export function sessionRoute<A extends unknown[]>(handler: (...args: A) => Promise<Response>): (...args: A) => Promise<Response> {
  return async (...args) => {
    try {
      return await handler(...args);
    } catch (err) {
      if (isConnectionLoss(err)) return databaseUnavailableResponse(err);
      throw err;
    }
  };
}
