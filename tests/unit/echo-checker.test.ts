import { describe, expect, it } from "vitest";
import { checkEcho } from "../../lib/checkers/echo.js";
import type { HistoryEvent } from "../../lib/history.js";

let index = 0;
const ev = (type: HistoryEvent["type"], process: number, value: unknown, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({
  index: index++,
  type,
  process,
  f: "echo",
  value,
  timeUs: index * 10,
  node: "n0",
  ...extra,
});

describe("echo checker", () => {
  const cases: Array<{ name: string; events: HistoryEvent[]; verdict: "PASS" | "FAIL"; reason: RegExp }> = [
    {
      name: "every echo returned intact passes",
      events: [ev("invoke", 0, "a"), ev("invoke", 1, "b"), ev("ok", 1, "b"), ev("ok", 0, "a")],
      verdict: "PASS",
      reason: /all 2 acknowledged/,
    },
    {
      name: "a changed text fails and names it",
      events: [ev("invoke", 0, "hello"), ev("ok", 0, "hel")],
      verdict: "FAIL",
      reason: /1 of 1 acknowledged echoes returned a different text.*"hello".*"hel"/,
    },
    {
      name: "no reply at all fails (silence is not correctness)",
      events: [ev("invoke", 0, "a"), ev("info", 0, null, { error: { code: 0, text: "timeout" } })],
      verdict: "FAIL",
      reason: /none of the 1 echo requests/,
    },
    {
      name: "an empty history fails",
      events: [],
      verdict: "FAIL",
      reason: /no echo operation was attempted/,
    },
    {
      name: "timeouts beside correct echoes still pass, and are reported",
      events: [ev("invoke", 0, "a"), ev("ok", 0, "a"), ev("invoke", 1, "b"), ev("info", 1, null)],
      verdict: "PASS",
      reason: /1 requests were not acknowledged/,
    },
    {
      name: "an invocation without completion counts as indeterminate",
      events: [ev("invoke", 0, "a"), ev("ok", 0, "a"), ev("invoke", 0, "b")],
      verdict: "PASS",
      reason: /all 1 acknowledged/,
    },
  ];

  it.each(cases)("$name", ({ events, verdict, reason }) => {
    const result = checkEcho(events);
    expect(result.verdict).toBe(verdict);
    expect(result.reason).toMatch(reason);
  });

  it("keeps at most five examples of mismatches as evidence", () => {
    const events = Array.from({ length: 10 }, (_, p) => [ev("invoke", p, `x${p}`), ev("ok", p, "y")]).flat();
    const result = checkEcho(events);
    expect(result.evidence.mismatched).toBe(10);
    expect(result.evidence.examples).toHaveLength(5);
  });
});
