// Where to go after signing in (or after any page that sends someone back):
// only a place on this site. The value is resolved as a browser would resolve
// it (WHATWG URL, against the site's own URL, AUTH_URL), which drops tabs and
// newlines and reads "\" as "/" just as the browser does; only a result on the
// site's own origin is kept, as its path, query and fragment. So neither
// "//evil.example", "/\evil.example", "/\t/evil.example" nor an absolute URL
// elsewhere can send anyone off the site; anything else becomes "/".
import { z } from "zod";
import { siteUrl } from "../lib/config";

/** Longer values are refused outright (no page of ours needs them). */
const MAX_RETURN_PATH_LENGTH = 2000;

export function safeReturnPath(value: unknown, site: URL = siteUrl()): string {
  if (typeof value !== "string" || value.length > MAX_RETURN_PATH_LENGTH || !value.startsWith("/")) return "/";
  let resolved: URL;
  try {
    resolved = new URL(value, site);
  } catch {
    return "/";
  }
  if (resolved.origin !== site.origin) return "/";
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // "/.//evil.example" resolves to the path "//evil.example": the same origin
  // here, but another host once a browser reads it as a Location.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  return path;
}

/** A form field holding a return path; whatever it holds parses to a safe path. */
export const returnPath = z.unknown().transform((value) => safeReturnPath(value));
