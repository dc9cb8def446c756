// Every environment variable the product reads, parsed once into a typed
// object with defaults and units. A wrong value fails at start-up with a
// message naming the variable; nothing else in the code reads process.env.
import { z } from "zod";

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();

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
  /** Memory of each build and node container, in MiB. */
  LABGRADE_CONTAINER_MEMORY_MIB: positiveInt.default(256),
  /** Subnet every lab network is carved from (must stay in 198.18.0.0/15). */
  LABGRADE_LAB_SUBNET_POOL: z.string().default("198.18.0.0/16"),
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

/** The process's configuration, parsed on first use. */
export function config(): Config {
  cached ??= parseConfig();
  return cached;
}
