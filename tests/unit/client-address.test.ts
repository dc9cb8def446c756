// The client's address for the per-address sign-in limit: the socket's peer,
// unless the operator names the proxies in front, and then only what those
// proxies appended to X-Forwarded-For, never what the client wrote before it.
import { describe, expect, it } from "vitest";
import { clientAddressOf } from "../../lib/auth/client-address.js";
import { parseConfig } from "../../lib/config.js";

const trusted = (value: string) => parseConfig({ LABGRADE_TRUSTED_PROXIES: value }).LABGRADE_TRUSTED_PROXIES;

describe("clientAddressOf", () => {
  it("takes the socket's peer and ignores X-Forwarded-For when no proxy is trusted", () => {
    expect(clientAddressOf("127.0.0.1", "198.18.0.7", trusted(""))).toBe("127.0.0.1");
    expect(clientAddressOf("::ffff:127.0.0.9", ["198.18.0.7", "198.18.0.8"], trusted("0"))).toBe("127.0.0.9");
    expect(clientAddressOf(undefined, "198.18.0.7", trusted(""))).toBe("unknown");
  });

  it("with N trusted hops, takes the address the outermost of them saw", () => {
    // nginx appended the client it saw (198.18.0.5); the client had claimed 198.18.9.9 itself.
    expect(clientAddressOf("127.0.0.1", "198.18.9.9, 198.18.0.5", trusted("1"))).toBe("198.18.0.5");
    // Two proxies: the load balancer saw 198.18.0.5, nginx (the peer) saw the balancer.
    expect(clientAddressOf("127.0.0.1", "198.18.9.9, 198.18.0.5, 198.18.1.1", trusted("2"))).toBe("198.18.0.5");
    // Fewer entries than hops: the leftmost one.
    expect(clientAddressOf("127.0.0.1", "198.18.0.5", trusted("3"))).toBe("198.18.0.5");
    expect(clientAddressOf("127.0.0.1", undefined, trusted("1"))).toBe("127.0.0.1");
  });

  it("with a list of proxies, skips them from the right and stops at the first address not on it", () => {
    const list = trusted("127.0.0.1, 198.18.1.0/24, ::1");
    expect(clientAddressOf("127.0.0.1", "198.18.9.9, 198.18.0.5, 198.18.1.20", list)).toBe("198.18.0.5");
    expect(clientAddressOf("::1", "198.18.0.5", list)).toBe("198.18.0.5");
    // A peer that is not a listed proxy is the client, whatever it forwards.
    expect(clientAddressOf("198.18.0.66", "198.18.9.9", list)).toBe("198.18.0.66");
    // Every hop a proxy: the leftmost.
    expect(clientAddressOf("127.0.0.1", "198.18.1.3", list)).toBe("198.18.1.3");
  });

  it("refuses a setting that is neither a count nor addresses, naming the variable", () => {
    expect(() => trusted("nginx")).toThrow(/LABGRADE_TRUSTED_PROXIES.*"nginx" is not an address/);
    expect(() => trusted("10.0.0.0/33")).toThrow(/LABGRADE_TRUSTED_PROXIES/);
    expect(() => trusted("99")).toThrow(/at most 10/);
  });
});
