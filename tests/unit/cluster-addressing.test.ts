import { describe, expect, it } from "vitest";
import { extraHosts, hostsEnv, parseHostsEnv, parseLabPool, planAddresses } from "../../sandbox/addressing.js";
import { isGenuineSender } from "../../sandbox/programs/services/services.js";

describe("cluster addresses", () => {
  it("gives every member a fixed address in the cluster's /24", () => {
    const plan = planAddresses("198.18.37.0/24", ["n0", "n1", "n2"]);
    expect(plan).toEqual({
      subnet: "198.18.37.0/24",
      gateway: "198.18.37.1",
      services: "198.18.37.2",
      controller: "198.18.37.3",
      nodes: { n0: "198.18.37.10", n1: "198.18.37.11", n2: "198.18.37.12" },
    });
    expect(extraHosts(plan)).toEqual(expect.arrayContaining(["n1:198.18.37.11", "lin-kv:198.18.37.2", "lin-tso:198.18.37.2", "controller:198.18.37.3"]));
    expect(parseHostsEnv(hostsEnv(plan)).get("seq-kv")).toBe("198.18.37.2");
  });

  it("refuses pools outside 198.18.0.0/15 or smaller than a /24", () => {
    expect(parseLabPool("198.19.0.0/16")).toEqual({ base: (198 << 24 >>> 0) + (19 << 16), prefix: 16 });
    expect(() => parseLabPool("10.0.0.0/16")).toThrow(/not inside 198.18.0.0\/15/);
    expect(() => parseLabPool("198.18.0.0/14")).toThrow(/not inside/);
    expect(() => parseLabPool("198.18.3.0/25")).toThrow(/smaller than one \/24/);
    expect(() => parseLabPool("198.18.0/16")).toThrow(/not an IPv4 subnet/);
  });

  it("the services serve a request only from the node its src names", () => {
    const hosts = parseHostsEnv("n0=198.18.5.10,n1=198.18.5.11,lin-kv=198.18.5.2");
    expect(isGenuineSender("n0", "198.18.5.10", hosts)).toBe(true);
    // A node speaking for a peer (the relay across a partition).
    expect(isGenuineSender("n1", "198.18.5.10", hosts)).toBe(false);
    // Only nodes call services; names outside the cluster are nobody.
    expect(isGenuineSender("lin-kv", "198.18.5.2", hosts)).toBe(false);
    expect(isGenuineSender("c1", "198.18.5.3", hosts)).toBe(false);
    expect(isGenuineSender("n7", "198.18.5.17", hosts)).toBe(false);
  });
});
