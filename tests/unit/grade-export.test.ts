import { describe, expect, it } from "vitest";
import { gradeCsv } from "../../lib/grades/export.js";

describe("grade CSV", () => {
  it("quotes what needs quoting, leaves missing scores empty and keeps formulas as text", () => {
    const csv = gradeCsv({
      labs: [
        { id: "1", slug: "echo", title: "Echo" },
        { id: "2", slug: "kv", title: "KV" },
      ],
      rows: [
        { email: "a@x.test", name: "Smith, Ann", scores: [1, null], total: 1 },
        { email: "b@x.test", name: '=HYPERLINK("http://evil")', scores: [0.333333, 2], total: 2.333333 },
      ],
    });
    expect(csv).toBe(['email,name,echo,kv,total', 'a@x.test,"Smith, Ann",1,,1', `b@x.test,"'=HYPERLINK(""http://evil"")",0.33,2,2.33`, ""].join("\n"));
  });
});
