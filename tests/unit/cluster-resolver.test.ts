import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { answerQuery } from "../../sandbox/programs/services/resolver.js";

const table = new Map([
  ["n0", "198.18.9.10"],
  ["lin-kv", "198.18.9.2"],
]);
// dns-packet decodes the response code as `rcode`, which its types leave out.
const ask = (name: string, type: dnsPacket.RecordType = "A") =>
  dnsPacket.decode(answerQuery(dnsPacket.encode({ type: "query", id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] }), table)!) as dnsPacket.DecodedPacket & { rcode: string };

describe("the cluster's resolver", () => {
  it("answers the cluster's names from its table", () => {
    const reply = ask("n0");
    expect(reply.id).toBe(7);
    expect(reply.rcode).toBe("NOERROR");
    expect(reply.answers).toEqual([expect.objectContaining({ type: "A", name: "n0", data: "198.18.9.10" })]);
    expect(ask("LIN-KV.").answers?.[0]).toMatchObject({ data: "198.18.9.2" });
  });

  it("says NXDOMAIN for every other name, and never forwards", () => {
    for (const name of ["example.com", "deb.debian.org", "n9", "n0.example.com"]) {
      const reply = ask(name);
      expect(reply.rcode, name).toBe("NXDOMAIN");
      expect(reply.answers, name).toEqual([]);
    }
  });

  it("answers other record types of a known name with nothing (no fallback to search domains)", () => {
    const reply = ask("n0", "AAAA");
    expect(reply.rcode).toBe("NOERROR");
    expect(reply.answers).toEqual([]);
  });

  it("ignores what is not a DNS query", () => {
    expect(answerQuery(Buffer.from("hello"), table)).toBeNull();
    const response = dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", name: "n0" }] });
    expect(answerQuery(response, table)).toBeNull();
  });
});
