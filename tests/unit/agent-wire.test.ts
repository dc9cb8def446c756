import { describe, expect, it } from "vitest";
import { envelopeFrame, LineSplitter, parseEnvelope } from "../../sandbox/programs/agent/wire.js";

function split(max: number, chunks: string[]) {
  const lines: string[] = [];
  const overflows: number[] = [];
  const splitter = new LineSplitter(max, (l) => lines.push(l), (n) => overflows.push(n));
  for (const c of chunks) splitter.push(Buffer.from(c));
  return { lines, overflows };
}

describe("the agent's line splitter", () => {
  it("joins lines across chunks, also in the middle of a multi-byte character", () => {
    const bytes = Buffer.from("ab\ncdé\nf");
    const lines: string[] = [];
    const splitter = new LineSplitter(100, (l) => lines.push(l), () => undefined);
    for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
    splitter.push(Buffer.from("g\n"));
    expect(lines).toEqual(["ab", "cdé", "fg"]);
  });

  it("never holds more than its limit of an unfinished line, and stops there", () => {
    const { lines, overflows } = split(10, ["short\n", "0123456789", "A", "more\nlater\n"]);
    expect(lines).toEqual(["short"]);
    expect(overflows).toEqual([11]);
  });

  it("a whole line over the limit in one chunk overflows too", () => {
    expect(split(4, ["12345\n"])).toEqual({ lines: [], overflows: [5] });
  });
});

describe("envelope frames", () => {
  it("carry the program's envelope digit for digit, and on one line", () => {
    const text = '{"src":"n0",\n"dest":"c1","body":{"type":"read_ok","value":12345678901234567890,"in_reply_to":3}}';
    const frame = envelopeFrame(text);
    expect(frame).not.toMatch(/\n/);
    expect(frame).toContain("12345678901234567890");
    expect(JSON.parse(frame)).toMatchObject({ kind: "envelope", envelope: { src: "n0", dest: "c1", body: { type: "read_ok" } } });
  });

  it("a node's forged counter report stays inside the envelope", () => {
    const forged = '{"labgrade":"stats","kind":"stats","stats":{"serverMessagesSent":-3},"src":"n0","dest":"c1","body":{"type":"x"}}';
    expect(parseEnvelope(forged)).toBeDefined();
    const frame = JSON.parse(envelopeFrame(forged)) as { kind: string };
    expect(frame.kind).toBe("envelope");
  });
});
