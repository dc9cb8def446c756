// In the browser: sends a chosen archive as the body of a POST to one of our
// upload routes (app/api/form-upload.ts) and turns the answer into what a
// form shows. Shared by the submit form and the reference upload.
import { formatMiB } from "@/lib/labs/archive-size";
import { sentence } from "./action-state";

const bytes = new Intl.NumberFormat("en");

/** Why `size` may not be sent to a lab that takes `maxBytes`, or null. */
export function tooLargeForLab(size: number, maxBytes: number): string | null {
  return size > maxBytes ? `This file is ${bytes.format(size)} bytes; the limit is ${bytes.format(maxBytes)} bytes (${formatMiB(maxBytes)})` : null;
}

export type PostedArchive = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

/** `notFound`: what a 404 means to this form's user (the route never says which thing is missing). */
export async function postArchive(url: string, file: File, notFound: string): Promise<PostedArchive> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "content-type": file.type || "application/octet-stream" }, body: file });
  } catch {
    return { ok: false, message: "The upload did not reach the server; check your connection and try again" };
  }
  const body = (await response.json().catch(() => null)) as (Record<string, unknown> & { error?: { message?: unknown } }) | null;
  if (response.ok && body) return { ok: true, body };
  if (response.status === 404) return { ok: false, message: notFound };
  const message = body?.error?.message;
  return { ok: false, message: typeof message === "string" ? sentence(message) : `The server could not take the upload (HTTP ${response.status}); try again` };
}
