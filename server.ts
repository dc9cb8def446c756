// The web app's HTTP server: Next.js's request handler behind a plain Node
// server of ours, so that the client's address comes from the socket (or from
// the proxies the operator trusts), never from a header the client wrote.
// Every request gets CLIENT_ADDRESS_HEADER set here, replacing any copy the
// client sent (lib/auth/client-address.ts reads it). `next build` builds the
// app as before; this replaces `next start`:
//
//   node --max-semi-space-size=64 --import tsx server.ts [--port N] [--hostname H]   (npm start)
//
// --max-semi-space-size=64 (MiB; V8's default is 16): with fifty requests in
// flight, each rendering for a few hundred milliseconds, a small young
// generation fills before they finish, and every scavenge copies all their
// live objects and promotes them to the old one. A larger one lets most of
// them die young: the lab and leaderboard pages serve about 10 % more
// requests per second (bench/web-load.ts), for a young generation of at most
// 192 MiB. infra/up and tests/support/web-server.ts start it the same way.
//
// Port: --port, else PORT (3000). Host: --hostname, else 127.0.0.1 (put a
// proxy in front, or pass --hostname 0.0.0.0). SIGTERM and SIGINT stop it.
import { createServer } from "node:http";
import { parseArgs } from "node:util";
import next from "next";
import { CLIENT_ADDRESS_HEADER, clientAddressOf, markClientAddressesWritten } from "./lib/auth/client-address.js";
import { config } from "./lib/config.js";

const { values } = parseArgs({ options: { port: { type: "string" }, hostname: { type: "string" }, dev: { type: "boolean" } }, strict: true });
const cfg = config();
const port = values.port === undefined ? cfg.PORT : Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number (got ${values.port})`);
const hostname = values.hostname ?? "127.0.0.1";
const trusted = cfg.LABGRADE_TRUSTED_PROXIES;

const app = next({ dev: values.dev === true, dir: import.meta.dirname, hostname, port });
const handle = app.getRequestHandler();
await app.prepare();
markClientAddressesWritten();

const server = createServer((req, res) => {
  // Assigning replaces whatever the client sent under this name.
  req.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(req.socket.remoteAddress, req.headers["x-forwarded-for"], trusted);
  handle(req, res).catch((err: unknown) => {
    console.error("[labgrade] request failed:", err);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.listen(port, hostname, () => {
  const proxies = trusted.kind === "none" ? "no proxy trusted" : trusted.kind === "hops" ? `${trusted.hops} trusted proxy hop(s)` : `trusted proxies ${trusted.ranges.join(", ")}`;
  console.log(`[labgrade] web app on http://${hostname}:${port} (${proxies})`);
});

function stop(): void {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
