// Where to go after signing in: only a path on this site. No scheme, no host,
// and neither "//evil.example" nor "/\evil.example" (browsers read both as a
// host), so a crafted /signin?next=... link cannot send anyone elsewhere.
import { z } from "zod";

export const returnPath = z
  .string()
  .max(2000)
  .regex(/^\/(?![/\\])[^\\]*$/)
  .catch("/");

export function safeReturnPath(value: unknown): string {
  return returnPath.parse(typeof value === "string" ? value : "/");
}
