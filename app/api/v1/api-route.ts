// Every /api/v1 route goes through apiRoute(): a personal token in
// `Authorization: Bearer lgp_…` (401 without a valid one), its scope (403
// when a READ token tries to submit), the per-token rate limit (429 with
// Retry-After), then the handler; the domain's refusals become JSON errors
// with a stable code and a message a person can act on:
//   { "error": { "code": "submission.limit", "message": "…" } }
// Another course's or person's things are 404, as if they did not exist.
import "server-only";
import { NextResponse } from "next/server";
import { ZodError, type z } from "zod";
import { apiLimiter } from "@/lib/api/rate-limit";
import { authenticateApiToken, type TokenActor } from "@/lib/api/tokens";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError, StudentError } from "@/lib/errors";

const NO_STORE = { "Cache-Control": "no-store" };

export function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return NextResponse.json({ error: { code, message } }, { status, headers: { ...NO_STORE, ...headers } });
}

/** A response in its documented shape (lib/api/schemas.ts); a mismatch is our bug, a 500, never sent. */
export function apiJson<T>(schema: z.ZodType<T>, body: T, status = 200) {
  const checked = schema.safeParse(body);
  if (!checked.success) throw new Error(`response does not match its schema: ${checked.error.message}`);
  return NextResponse.json(checked.data, { status, headers: NO_STORE });
}

type Params = Record<string, string>;

export function apiRoute<P extends Params>(needs: "READ" | "SUBMIT", handler: (request: Request, who: TokenActor, params: P) => Promise<Response>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    const who = await authenticateApiToken(db(), request.headers.get("authorization"));
    if (!who) return apiError(401, "auth.token", "send a valid personal token as `Authorization: Bearer lgp_…` (make one on your account page)", { "WWW-Authenticate": "Bearer" });
    if (needs === "SUBMIT" && who.scope !== "SUBMIT") return apiError(403, "auth.scope", "this token may only read; make a token with the submit scope to submit");
    const allowance = await apiLimiter().consume(who.tokenId);
    if (!allowance.allowed) {
      return apiError(429, "rate.limited", `too many calls with this token; try again in ${allowance.retryAfterSeconds} s`, { "Retry-After": String(allowance.retryAfterSeconds) });
    }
    try {
      const response = await handler(request, who, await context.params);
      response.headers.set("X-RateLimit-Remaining", String(allowance.remaining));
      return response;
    } catch (err) {
      if (err instanceof NotFoundError) return apiError(404, "not_found", err.message);
      if (err instanceof ForbiddenError) return apiError(403, "forbidden", err.message);
      if (err instanceof StudentError) return apiError(422, err.code, err.message);
      if (err instanceof ZodError) return apiError(400, "bad_request", err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
      throw err;
    }
  };
}
