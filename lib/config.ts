// Every environment variable the web app and the runner read, parsed once
// into a typed object with defaults and units. A wrong value fails at start-up
// with a message naming the variable; nothing else in those processes reads
// process.env. Three other kinds of program read their own: the programs inside
// our containers (agent, controller, services: the variables the runner gives
// them, sandbox/cluster/{nodes,services,controller}.ts), the command-line
// client (LABGRADE_SERVER, LABGRADE_TOKEN, LABGRADE_WATCH_INTERVAL_MS,
// XDG_CONFIG_HOME; lib/cli/) and the checker CLI's launcher
// (CHECK_HISTORY_BUILD_DIR, where its compiled bundle lives, for the tests;
// lib/checkers/check-history.mjs).
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { BASE_IMAGE } from "./toolchains.js";

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
  /**
   * A runner's Docker engine (standard Docker variables, read by dockerode itself): unset, the local
   * socket; unix:///path/to/docker.sock; or tcp://host:2376 with DOCKER_TLS_VERIFY=1 and
   * DOCKER_CERT_PATH (plain TCP only to a loopback address: whoever reaches an engine's port owns
   * the host). Checked together below.
   */
  DOCKER_HOST: z
    .string()
    .regex(/^(unix:\/\/\/.+|tcp:\/\/[^/:]+:\d+|tcp:\/\/\[[0-9a-fA-F:]+\]:\d+)$/, "must be unix:///path/to/docker.sock or tcp://host:port (e.g. tcp://10.0.0.7:2376)")
    .optional(),
  /** "1": talk TLS to the engine, verify its certificate against DOCKER_CERT_PATH's ca.pem and present ours. */
  DOCKER_TLS_VERIFY: z.enum(["", "1"], { message: 'must be 1 (or unset); dockerode reads no other value, though the Docker CLI takes any' }).optional(),
  /** Folder with the runner's TLS client files: ca.pem (the engine's CA), cert.pem and key.pem. */
  DOCKER_CERT_PATH: z.string().min(1).optional(),
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
  /** How long the controller waits for every node to answer init before the test fails, in seconds. */
  LABGRADE_NODE_READY_SECONDS: positiveInt.max(600).default(20),
  /**
   * A test run's wall-clock allowance beyond its main phase and recovery, in seconds: the cluster's
   * start, the nodes' init, the final operations and the record. Past it the run is LIMIT_EXCEEDED.
   */
  LABGRADE_TEST_OVERHEAD_SECONDS: positiveInt.max(3600).default(60),
  /** The image of our own containers in a cluster: the controller, the services, the netctl sidecars. */
  LABGRADE_BASE_IMAGE: z.string().regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?$/, "an image name like labgrade/base:latest").default(BASE_IMAGE),
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
  /** Memory of each node container, in MiB (builds get 1 GiB, the controller 512 MiB: runner/limits.ts). */
  LABGRADE_CONTAINER_MEMORY_MIB: positiveInt.default(256),
  /** Subnet the runner carves a /24 per test cluster from: inside 198.18.0.0/15 (reserved for network testing), /15 to /24. */
  /**
   * How the runner delays packets between nodes (latency, delay, jitter, reorder, duplicate):
   * auto (our packet scheduler where the kernel has NFQUEUE, else netem), userspace or netem
   * only. Whatever is asked for is probed at start; the runner reports what it uses.
   */
  LABGRADE_SHAPER: z.enum(["auto", "userspace", "netem"]).default("auto"),
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
  for (const issue of dockerEngineIssues(env)) ctx.addIssue({ code: "custom", path: [issue.variable], message: issue.message });
  const oidc = ["LABGRADE_OIDC_ISSUER", "LABGRADE_OIDC_CLIENT_ID", "LABGRADE_OIDC_CLIENT_SECRET"] as const;
  const set = oidc.filter((name) => env[name] !== undefined);
  if (set.length > 0 && set.length < oidc.length) {
    for (const name of oidc.filter((n) => env[n] === undefined)) ctx.addIssue({ code: "custom", path: [name], message: `single sign-on needs all of ${oidc.join(", ")}; this one is missing` });
  }
});

export type Config = z.infer<typeof schema>;

const CERT_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

/** DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH as one setting: what dockerode would do with them, refused where that is not what the operator meant. */
function dockerEngineIssues(env: { DOCKER_HOST?: string; DOCKER_TLS_VERIFY?: string; DOCKER_CERT_PATH?: string }): { variable: string; message: string }[] {
  const tls = env.DOCKER_TLS_VERIFY === "1";
  const host = env.DOCKER_HOST;
  if (!host?.startsWith("tcp://")) {
    const unused = (["DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"] as const).filter((name) => env[name]);
    return unused.map((variable) => ({ variable, message: `is only used with DOCKER_HOST=tcp://…; the engine here is ${host ?? "the local socket"}: unset it` }));
  }
  const url = new URL(host.replace(/^tcp:/, "http:"));
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  const issues: { variable: string; message: string }[] = [];
  if (!tls) {
    if (url.port === "2376") issues.push({ variable: "DOCKER_TLS_VERIFY", message: "must be 1 with port 2376 (Docker's TLS port; dockerode would talk TLS without checking the engine or presenting a certificate)" });
    else if (!loopback) issues.push({ variable: "DOCKER_HOST", message: `is plain TCP to ${url.hostname}: anyone who reaches that port controls the engine; use TLS (port 2376, DOCKER_TLS_VERIFY=1, DOCKER_CERT_PATH; ./infra/up --engine-host makes the certificates)` });
    if (env.DOCKER_CERT_PATH) issues.push({ variable: "DOCKER_CERT_PATH", message: "is set but DOCKER_TLS_VERIFY is not 1, so dockerode would ignore it: set DOCKER_TLS_VERIFY=1" });
    return issues;
  }
  if (!env.DOCKER_CERT_PATH) return [{ variable: "DOCKER_CERT_PATH", message: "is needed with DOCKER_TLS_VERIFY=1: the folder with ca.pem, cert.pem and key.pem (the engine host's client/ folder)" }];
  // The folder is the operator's: Turbopack must not trace it (it would take the whole project,
  // var/ with the images' root file systems included, and fail on their symlinks).
  const missing = CERT_FILES.filter((file) => !looksLikePem(path.join(/* turbopackIgnore: true */ env.DOCKER_CERT_PATH!, file)));
  if (missing.length > 0) issues.push({ variable: "DOCKER_CERT_PATH", message: `has no readable PEM file ${missing.join(", ")} (it needs ca.pem, cert.pem and key.pem: the engine host's client/ folder)` });
  return issues;
}

function looksLikePem(file: string): boolean {
  try {
    return readFileSync(file, "utf8").includes("-----BEGIN ");
  } catch {
    return false;
  }
}

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
