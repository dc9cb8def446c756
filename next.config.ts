// Next.js configuration of the web app. The Content-Security-Policy is not
// here: it carries a fresh nonce per request, so proxy.ts sets it; the
// headers below are the same for every response.
import type { NextConfig } from "next";

/**
 * Largest request body a server action accepts, and the most of a page
 * request's body that Next keeps for proxy.ts. Next holds that much of a body
 * in memory before any of our code (sign-in included) runs, for anyone who
 * posts to a page, so it is kept small: the largest form sent to
 * an action is a roster import (a CSV file of at most 2 MB; its form checks
 * the size first). Archives never go through actions: the submit form and the
 * reference upload post to route handlers that read no further than the lab's
 * limit (app/api/form-upload.ts).
 */
const ACTION_BODY_LIMIT = "3mb";

/** See the loader's header: lib/ imports "./x.js" meaning x.ts. */
function relativeJsImports(as: string) {
  return {
    condition: { all: [{ not: "foreign" }, { content: /\.js["']/ }] },
    loaders: ["./infra/next/relative-js-imports-loader.cjs"],
    as,
  };
}

const nextConfig: NextConfig = {
  poweredByHeader: false,
  turbopack: {
    rules: {
      "*.ts": relativeJsImports("*.ts"),
      "*.tsx": relativeJsImports("*.tsx"),
    },
  },
  // Native addons and packages that load files or spawn at run time stay plain
  // Node modules instead of being bundled.
  serverExternalPackages: [
    "@node-rs/argon2",
    "@prisma/adapter-pg",
    "pg",
    "bullmq",
    "ioredis",
    "dockerode",
    "ssh2",
    "cpu-features",
  ],
  experimental: {
    serverActions: { bodySizeLimit: ACTION_BODY_LIMIT },
    // proxy.ts sees every page request, including forms posted without
    // JavaScript; Next buffers such bodies up to this size (default 10 MB).
    proxyClientMaxBodySize: ACTION_BODY_LIMIT,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
