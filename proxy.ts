// Runs before every page request: sets a strict Content-Security-Policy with a
// fresh nonce. Next.js reads the nonce from the request's CSP header and puts
// it on its own scripts and styles, so neither scripts nor styles need
// 'unsafe-inline'. Every page is rendered per request anyway (they all read
// the session), which a nonce requires.
// It also answers 404 for a path whose percent-encoding does not decode
// (`/courses/%E0%A4%A`, `/api/v1/submissions/%ZZ`): Next's router fails to
// decode such a path's parameters after this point and answers 500. For that
// alone it also runs before API routes whose path holds a `%`; no other API
// request comes here (so no upload's body is buffered for a proxy).
import { NextResponse, type NextRequest } from "next/server";
import { config as appConfig } from "./lib/config";

function decodes(pathname: string): boolean {
  try {
    decodeURIComponent(pathname);
    return true;
  } catch {
    return false;
  }
}

/** The answer for a path that cannot name anything: the API's JSON error, or a page's plain 404. */
function malformedPath(pathname: string): NextResponse {
  const message = "no such page: the path's percent-encoding (%XX) is malformed";
  if (pathname.startsWith("/api/")) return NextResponse.json({ error: { code: "not_found", message } }, { status: 404, headers: { "Cache-Control": "no-store" } });
  return new NextResponse(`Not found: ${message}.\n`, { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

function contentSecurityPolicy(nonce: string): string {
  const cfg = appConfig();
  const https = cfg.AUTH_URL?.startsWith("https://") ?? false;
  return [
    "default-src 'self'",
    // React's development build evaluates code to rebuild server stacks; production never does.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${cfg.NODE_ENV === "development" ? " 'unsafe-eval'" : ""}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export function proxy(request: NextRequest) {
  if (!decodes(request.nextUrl.pathname)) return malformedPath(request.nextUrl.pathname);
  if (request.nextUrl.pathname.startsWith("/api/")) return NextResponse.next();
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy(nonce);
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  if (appConfig().AUTH_URL?.startsWith("https://")) {
    response.headers.set("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
  }
  return response;
}

export const config = {
  matcher: [
    {
      // Pages only: not JSON routes, not hashed static files.
      source: "/((?!api/|_next/static|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
    // Any path that holds a "%" (API routes and prefetches included), to refuse malformed encodings (see the header).
    "/:path(.*%.*)",
  ],
};
