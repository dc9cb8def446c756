// Every environment variable the product reads, parsed once into a typed
// object with defaults and units. A wrong value fails at start-up with a
// message naming the variable; nothing else in the code reads process.env.
import { isIP } from "node:net";
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

/** Proxies in front of the web app whose X-Forwarded-For entries are believed (see lib/auth/client-address.ts). */
export type TrustedProxies = { kind: "none" } | { kind: "hops"; hops: number } | { kind: "addresses"; ranges: string[] };

/** "" or "0": none; a number: that many proxies; else a comma-separated list of addresses and CIDR ranges. */
const trustedProxies = z
  .string()
  .default("")
  .transform((text, ctx): TrustedProxies => {
    const value = text.trim();
    if (value === "" || value === "0") return { kind: "none" };
    if (/^\d+$/.test(value)) {
      const hops = Number(value);
      if (hops > 10) ctx.addIssue({ code: "custom", message: "at most 10 proxies in a row" });
      return { kind: "hops", hops };
    }
    const ranges = value.split(",").map((r) => r.trim());
    for (const range of ranges) {
      const [address = "", prefix, extra] = range.split("/");
      const family = isIP(address);
      const bits = family === 4 ? 32 : 128;
      const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
      if (family === 0 || !prefixOk || extra !== undefined) ctx.addIssue({ code: "custom", message: `"${range}" is not an address or CIDR range (e.g. 10.0.0.5 or 10.0.0.0/24); give a number of proxies or a comma-separated list` });
    }
    return { kind: "addresses", ranges };
  });

const schema = z.object({
  /** PostgreSQL, the source of truth. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .default("postgresql://labgrade:labgrade@127.0.0.1:5432/labgrade"),
  /** Redis for BullMQ queues, live progress and rate limits. */
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must be a redis:// URL").default("redis://127.0.0.1:6379"),
  /** Prefix of every BullMQ key, so several deployments (or tests) share one Redis. */
  LABGRADE_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only").default("labgrade"),
  /** Docker engine: unix socket path or tcp://host:port (standard Docker variable). */
  DOCKER_HOST: z.string().optional(),
  /** Concurrent gradings per runner process; 1 suits a 2-core host. */
  LABGRADE_RUNNER_CONCURRENCY: positiveInt.max(64).default(1),
  /** A stable name for this runner in the runners table (default: hostname-pid). */
  LABGRADE_RUNNER_ID: z.string().min(1).optional(),
  /** Port the web app listens on. */
  PORT: port.default(3000),
  /** Public base URL of the web app (Auth.js callbacks, links printed by the CLI). */
  AUTH_URL: z.string().url().optional(),
  /** Secret that signs session cookies; at least 32 characters. infra/up generates one. */
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters (generate with: openssl rand -hex 32)").optional(),
  /** Wall-clock budget for building one submission, in seconds. */
  LABGRADE_BUILD_TIMEOUT_SECONDS: positiveInt.default(120),
  /** Wall-clock budget for grading one submission (build and all its test runs), in seconds; past it the submission is TIMED_OUT. */
  LABGRADE_SUBMISSION_BUDGET_SECONDS: positiveInt.default(1800),
  /**
   * How long a grading that keeps failing on our side (Docker engine or database unreachable, runner
   * lost) is retried before it ends INFRA_ERROR, in minutes. Tries are spaced 2 s, 4 s, 8 s, ... up
   * to LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS; the student meanwhile reads "waiting for the grading
   * machines", and no try is charged to them.
   */
  LABGRADE_INFRA_RETRY_MINUTES: positiveInt.max(24 * 60).default(20),
  /** The longest wait between two tries of a grading that failed on our side, in seconds. */
  LABGRADE_INFRA_RETRY_MAX_DELAY_SECONDS: positiveInt.max(3600).default(60),
  /**
   * A grading that ended INFRA_ERROR at most this many hours ago is graded again when a runner's
   * engine answers again (or the runner starts); older ones are left for staff to regrade. 0: never.
   */
  LABGRADE_INFRA_RERUN_HOURS: z.coerce.number().int().min(0).max(24 * 14).default(24),
  /** Memory of each build and node container, in MiB. */
  LABGRADE_CONTAINER_MEMORY_MIB: positiveInt.default(256),
  /** Subnet the runner carves a /24 per test cluster from: inside 198.18.0.0/15 (reserved for network testing), /15 to /24. */
  LABGRADE_LAB_SUBNET_POOL: z
    .string()
    .regex(/^198\.1[89]\.\d{1,3}\.\d{1,3}\/(1[5-9]|2[0-4])$/, "must be a subnet of 198.18.0.0/15 between /15 and /24, e.g. 198.18.0.0/16")
    .default("198.18.0.0/16"),
  /** API calls each personal token may make per minute (every web process shares the count in Redis). */
  LABGRADE_API_CALLS_PER_MINUTE: positiveInt.max(100_000).default(120),
  /** API calls one person may make per minute with all their tokens together (a person may hold many tokens; shared in Redis). */
  LABGRADE_API_CALLS_PER_MINUTE_PER_USER: positiveInt.max(100_000).default(300),
  /** Uploads (submissions being received) one person may send at once to each web process; more answer 429 `uploads.too_many`. */
  LABGRADE_UPLOADS_PER_USER: positiveInt.max(100).default(2),
  /** Uploads each web process receives at once, from everyone; more answer 429 `uploads.busy`. Each may hold up to its lab's limit (at most 50 MiB) in memory while it is read and validated. */
  LABGRADE_UPLOADS_PER_PROCESS: positiveInt.max(1000).default(8),
  /** Progress streams (GET /api/v1/submissions/{id}/events) one person may hold open at once in each web process. */
  LABGRADE_OPEN_STREAMS_PER_USER: positiveInt.max(1000).default(10),
  /**
   * Proxies in front of the web app (a load balancer, nginx): unset or 0, none, so the client is the
   * socket's peer; a number N, the last N hops are ours, so the client is the address N entries from
   * the right of [X-Forwarded-For…, socket peer]; or a comma-separated list of proxy addresses and
   * CIDR ranges, skipped from the right. Only the per-address sign-in limit reads the client address.
   */
  LABGRADE_TRUSTED_PROXIES: trustedProxies,
  /**
   * Outgoing mail (links that prove an email address): smtp://user:password@host:587 (STARTTLS when
   * the server offers it) or smtps://…:465. Unset: each message is written as an .eml file under
   * LABGRADE_MAIL_DIR instead (development; infra/up prints where).
   */
  LABGRADE_SMTP_URL: z.string().regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL").optional(),
  /** The From: of every message. */
  LABGRADE_MAIL_FROM: z.string().min(3).max(200).default("Labgrade <no-reply@labgrade.invalid>"),
  /** Where messages are written while LABGRADE_SMTP_URL is unset (relative: to the working directory). */
  LABGRADE_MAIL_DIR: z.string().min(1).default("var/mail"),
  /** University single sign-on: the OpenID Connect issuer URL (discovery at <issuer>/.well-known/openid-configuration). Unset: password sign-in only. */
  LABGRADE_OIDC_ISSUER: z.string().url("must be the issuer's URL, e.g. https://login.example.edu/realms/students").optional(),
  /** The client this site is registered as at the issuer; its redirect URI is <AUTH_URL>/api/auth/callback/sso. */
  LABGRADE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  LABGRADE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** What the sign-in button says ("Sign in with <name>"). */
  LABGRADE_OIDC_NAME: z.string().min(1).max(60).default("university single sign-on"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
}).superRefine((env, ctx) => {
  const oidc = ["LABGRADE_OIDC_ISSUER", "LABGRADE_OIDC_CLIENT_ID", "LABGRADE_OIDC_CLIENT_SECRET"] as const;
  const set = oidc.filter((name) => env[name] !== undefined);
  if (set.length > 0 && set.length < oidc.length) {
    for (const name of oidc.filter((n) => env[n] === undefined)) ctx.addIssue({ code: "custom", path: [name], message: `single sign-on needs all of ${oidc.join(", ")}; this one is missing` });
  }
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses an environment (default: process.env); throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

let cached: Config | undefined;

/** The site's public URL: AUTH_URL, else http://127.0.0.1:PORT. Links in mail and return paths are built on it, never on a request's Host. */
export function siteUrl(cfg: Config = config()): URL {
  return new URL(cfg.AUTH_URL ?? `http://127.0.0.1:${cfg.PORT}`);
}

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
