// Without LABGRADE_SMTP_URL (development), each message is written as an .eml
// file, the same message SMTP would carry, in LABGRADE_MAIL_DIR.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMailer } from "../../lib/mail/mailer.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "labgrade-mail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mail without SMTP", () => {
  it("writes each message as an .eml file with its recipient, subject and text", async () => {
    const mailer = createMailer({ LABGRADE_SMTP_URL: undefined, LABGRADE_MAIL_FROM: "Labgrade <no-reply@labgrade.test>", LABGRADE_MAIL_DIR: dir });
    await mailer.send({ to: "ada@uni.test", subject: "Labgrade: confirm your email address", text: "Open http://127.0.0.1:3000/confirm-email/abc" });
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/ada@uni\.test\.eml$/);
    const eml = readFileSync(path.join(dir, files[0]!), "utf8");
    expect(eml).toMatch(/^To: ada@uni\.test$/m);
    expect(eml).toMatch(/^Subject: Labgrade: confirm your email address$/m);
    expect(eml).toContain("http://127.0.0.1:3000/confirm-email/abc");
  });
});
