// Every /api/v1 route goes through apiRoute(): a personal token in
// `Authorization: Bearer lgp_…` (401 without a valid one), its scope (403
// when a READ token tries to submit or change anything), the rate limits per
// token and per person (429 with Retry-After), then the handler; the domain's
// refusals become JSON errors with a stable code and a message a person can
// act on (errorResponse, also used by the web form's upload route):
//   { "error": { "code": "submission.limit", "message": "…" } }
// (an invalid suite adds `problems`, each with its line).
// Another course's or person's things are 404, as if they did not exist.
import "server-only";
import { NextResponse } from "next/server";
import { ZodError, type z } from "zod";
import { apiLimiter } from "@/lib/api/rate-limit";
import { authenticateApiToken, type TokenActor } from "@/lib/api/tokens";
import { db, isConnectionLoss } from "@/lib/db";
import { ForbiddenError, NotFoundError, StudentError } from "@/lib/errors";
import type { SuiteError } from "@/lib/suites/parse-suite";
import { ArchiveTooLargeError, requestUpload } from "@/lib/submissions/upload-source";
import { UploadsBusyError } from "@/lib/submissions/upload-slots";
import { SuiteInvalidError } from "@/lib/suites/suite-versions";

const NO_STORE = { "Cache-Control": "no-store" };

export function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}, problems?: SuiteError[]) {
  return NextResponse.json({ error: { code, message, ...(problems ? { problems } : {}) } }, { status, headers: { ...NO_STORE, ...headers } });
}

/** A response in its documented shape (lib/api/schemas.ts); a mismatch is our bug, a 500, never sent. */
export function apiJson<T>(schema: z.ZodType<T>, body: T, status = 200) {
  const checked = schema.safeParse(body);
  if (!checked.success) throw new Error(`response does not match its schema: ${checked.error.message}`);
  return NextResponse.json(checked.data, { status, headers: NO_STORE });
}

/** A body that is not what the route reads: 400 with the message. */
class BadBodyError extends Error {}

const MAX_TEXT_BODY_BYTES = 1024 * 1024;

/** The request's body as text (at most 1 MB, read no further; 400 beyond). */
export async function textBody(request: Request): Promise<string> {
  const body = await requestUpload(request).readUpTo(MAX_TEXT_BODY_BYTES);
  if (body === null) throw new BadBodyError("the body is larger than 1 MB");
  return body.toString("utf8");
}

/** The request's JSON body (at most 1 MB); 400 when it is missing or not JSON. */
export async function jsonBody(request: Request): Promise<unknown> {
  const text = await textBody(request);
  if (text.trim() === "") throw new BadBodyError("send a JSON body (content-type: application/json)");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BadBodyError(`the body is not JSON: ${(err as Error).message}`);
  }
}

/** A suite version number from the path; anything else is a version that does not exist. */
export function versionParam(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text)) throw new NotFoundError(`suite version ${JSON.stringify(text.slice(0, 20))}`);
  return Number(text);
}

type Params = Record<string, string>;

export function apiRoute<P extends Params>(needs: "READ" | "SUBMIT", handler: (request: Request, who: TokenActor, params: P) => Promise<Response>) {
  return async (request: Request, context: { params: Promise<P> }): Promise<Response> => {
    // Everything in here, the token's own lookup too, answers in the API's JSON (a database outage included).
    try {
      const who = await authenticateApiToken(db(), request.headers.get("authorization"));
      if (!who) return apiError(401, "auth.token", "send a valid personal token as `Authorization: Bearer lgp_…` (make one on your account page)", { "WWW-Authenticate": "Bearer" });
      if (needs === "SUBMIT" && who.scope !== "SUBMIT") return apiError(403, "auth.scope", "this token may only read; make a token with the submit scope to submit (or, as staff, to regrade and edit suites)");
      const allowance = await apiLimiter().consume({ tokenId: who.tokenId, userId: who.actor.userId });
      if (!allowance.allowed) {
        const whose = allowance.by === "token" ? "this token" : `your tokens (${allowance.perMinute} a minute across all of them)`;
        return apiError(429, "rate.limited", `too many calls with ${whose}; try again in ${allowance.retryAfterSeconds} s`, { "Retry-After": String(allowance.retryAfterSeconds) });
      }
      const response = await handler(request, who, await context.params);
      response.headers.set("X-RateLimit-Remaining", String(allowance.remaining));
      return response;
    } catch (err) {
      return errorResponse(err);
    }
  };
}

/** Seconds a client should wait before trying again while the database does not answer. */
const DATABASE_RETRY_AFTER_SECONDS = 15;

/** 503 `service.unavailable` with Retry-After, for an error that says the database did not answer (isConnectionLoss). */
export function databaseUnavailableResponse(err: unknown): Response {
  console.error(`[api] the database did not answer: ${err instanceof Error ? err.message.split("\n").filter(Boolean).pop() : String(err)}`);
  return apiError(503, "service.unavailable", `the grading service cannot reach its database just now; nothing was changed; try again in ${DATABASE_RETRY_AFTER_SECONDS} s`, {
    "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS),
  });
}

/** The domain's refusal as the API's JSON error; anything else is a bug and is thrown on (a 500). */
export function errorResponse(err: unknown): Response {
  if (isConnectionLoss(err)) return databaseUnavailableResponse(err);
  if (err instanceof NotFoundError) return apiError(404, "not_found", err.message);
  if (err instanceof ForbiddenError) return apiError(403, "forbidden", err.message);
  if (err instanceof SuiteInvalidError) {
    const listed = err.errors.map((e) => `${e.line === null ? "" : `line ${e.line}: `}${e.message}`).join("; ");
    return apiError(422, err.code, `${err.message}: ${listed}`, {}, err.errors);
  }
  if (err instanceof ArchiveTooLargeError) return apiError(413, err.code, err.message);
  if (err instanceof UploadsBusyError) return apiError(429, err.code, err.message, { "Retry-After": String(err.retryAfterSeconds) });
  if (err instanceof StudentError) return apiError(422, err.code, err.message);
  if (err instanceof BadBodyError) return apiError(400, "bad_request", err.message);
  if (err instanceof ZodError) return apiError(400, "bad_request", err.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  throw err;
}
