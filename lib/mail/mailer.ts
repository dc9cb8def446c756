// Outgoing mail, through nodemailer: SMTP when LABGRADE_SMTP_URL is set; else
// each message is written as an .eml file under LABGRADE_MAIL_DIR (development:
// infra/up prints where), and a line in the log names the file. Code that
// sends mail takes a Mailer, so tests pass one aimed at their own SMTP server.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { config, type Config } from "../config.js";

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain text only: links are written out, nothing is hidden behind markup. */
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** A mailer for the configured transport. */
export function createMailer(cfg: Pick<Config, "LABGRADE_SMTP_URL" | "LABGRADE_MAIL_FROM" | "LABGRADE_MAIL_DIR">): Mailer {
  const from = cfg.LABGRADE_MAIL_FROM;
  if (cfg.LABGRADE_SMTP_URL) {
    const transport = nodemailer.createTransport(cfg.LABGRADE_SMTP_URL);
    return {
      async send(message) {
        await transport.sendMail({ from, ...message });
      },
    };
  }
  // The same message as SMTP would carry, as a file.
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const dir = path.resolve(cfg.LABGRADE_MAIL_DIR);
  return {
    async send(message) {
      const info = await transport.sendMail({ from, ...message });
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${message.to.replace(/[^a-z0-9@._-]/gi, "_")}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
      console.log(`[labgrade] mail to ${message.to} written to ${file} (LABGRADE_SMTP_URL is unset)`);
    },
  };
}

const globalForMailer = globalThis as unknown as { labgradeMailer?: Mailer };

/** The process's mailer. */
export function mailer(): Mailer {
  globalForMailer.labgradeMailer ??= createMailer(config());
  return globalForMailer.labgradeMailer;
}
