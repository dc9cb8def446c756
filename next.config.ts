// Next.js configuration of the web app. The Content-Security-Policy is not
// here: it carries a fresh nonce per request, so proxy.ts sets it; the
// headers below are the same for every response.
import type { NextConfig } from "next";

/**
 * Largest request body a server action accepts: a lab's default archive limit
 * (10 MiB, Lab.maxArchiveBytes) plus room for the multipart envelope. Larger
 * uploads are refused by Next before our code runs, so the submit form checks
 * the file's size in the browser first and says so plainly.
 */
const UPLOAD_BODY_LIMIT = "11mb";

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
    serverActions: { bodySizeLimit: UPLOAD_BODY_LIMIT },
    // proxy.ts sees every page request, including uploads posted without
    // JavaScript; Next buffers such bodies up to this size (default 10 MB).
    proxyClientMaxBodySize: UPLOAD_BODY_LIMIT,
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
