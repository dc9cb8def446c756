// Who is on the other end of a request, for the per-address sign-in limit.
// Only the HTTP server knows: Next.js's request handler gives App Router code
// no socket, and the X-Forwarded-For it passes on is whatever the client sent.
// So labgrade's own web server (server.ts, in front of Next's handler) writes
// CLIENT_ADDRESS_HEADER on every request, replacing any copy the client sent:
// the socket's peer, or, when the operator says proxies are in front
// (LABGRADE_TRUSTED_PROXIES), the address those proxies saw, read from
// X-Forwarded-For from the right past the trusted hops. A client can prepend
// anything to X-Forwarded-For; it cannot change what our own proxies append.
//
// clientAddress() believes the header only when this process's server wrote
// it (markClientAddressesWritten); under plain `next start` or `next dev` every
// client is "unknown", one shared count, and a warning says so once.
import { BlockList, isIP } from "node:net";
import type { TrustedProxies } from "../config.js";

export const CLIENT_ADDRESS_HEADER = "x-labgrade-client-address";

const WRITTEN = Symbol.for("labgrade.clientAddressesWritten");
const globalFlags = globalThis as unknown as Record<symbol, boolean | undefined>;

/** Called by server.ts once it writes CLIENT_ADDRESS_HEADER on every request of this process. */
export function markClientAddressesWritten(): void {
  globalFlags[WRITTEN] = true;
}

/** "::ffff:10.0.0.1" (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function plain(address: string): string {
  const trimmed = address.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return mapped ? mapped[1]! : trimmed;
}

function rangesList(ranges: string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [address = "", prefix] = range.split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(plain(address), family);
    else list.addSubnet(plain(address), Number(prefix), family);
  }
  return list;
}

const listCache = new WeakMap<string[], BlockList>();

/**
 * The client's address from the socket's peer and the X-Forwarded-For header(s),
 * believing only the proxies the operator named.
 */
export function clientAddressOf(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const peer = socketAddress ? plain(socketAddress) : "unknown";
  if (trusted.kind === "none") return peer;
  const forwarded = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map(plain)
    .filter(Boolean);
  // The chain as the last proxy knows it: what it was told, then who told it.
  const chain = [...forwarded, peer];
  if (trusted.kind === "hops") return chain[Math.max(0, chain.length - 1 - trusted.hops)]!;
  let list = listCache.get(trusted.ranges);
  if (!list) listCache.set(trusted.ranges, (list = rangesList(trusted.ranges)));
  const isTrusted = (a: string) => {
    const family = isIP(a);
    return family !== 0 && list.check(a, family === 6 ? "ipv6" : "ipv4");
  };
  let i = chain.length - 1;
  while (i > 0 && isTrusted(chain[i]!)) i--;
  return chain[i]!;
}

let warned = false;

/** The client's address for a request's headers (App Router: headers() or a route's request.headers). */
export function clientAddress(headers: Headers): string {
  if (globalFlags[WRITTEN] === true) return headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown";
  if (!warned) {
    warned = true;
    console.warn("[labgrade] the web app was not started through server.ts (npm start): client addresses are unknown, so the per-address sign-in limit counts every client together");
  }
  return "unknown";
}
