// The built web app as a child process, for browser tests: our server.ts (as
// `npm start` runs it: Next's handler behind our own HTTP server) on a free
// loopback port with the environment the test gives it. Requires a prior
// `npx next build` (infra/test runs it). stop() ends exactly the process it
// started, by PID: SIGTERM, then SIGKILL if it lingers.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SERVER = path.join(ROOT, "server.ts");

export interface WebServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  port: number;
  pid: number;
  /** Everything the server printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** Fails with a message that says what to run when there is no production build. */
export function assertNextBuildExists(): void {
  if (!existsSync(path.join(ROOT, ".next/BUILD_ID"))) {
    throw new Error(`the web app is not built (${path.join(ROOT, ".next/BUILD_ID")} is missing): run \`npx next build\` first (infra/test does)`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * `siteName`: the host name in the site's URL (AUTH_URL). Still served on
 * 127.0.0.1; "localhost" for tests that compare URLs Auth.js builds in
 * different places (Next.js rewrites 127.0.0.1 to localhost in route handlers).
 */
export async function startWebServer(opts: { env: Record<string, string>; readyTimeoutMs?: number; siteName?: "127.0.0.1" | "localhost" }): Promise<WebServer> {
  assertNextBuildExists();
  const port = await freePort();
  const url = `http://${opts.siteName ?? "127.0.0.1"}:${port}`;
  const child = spawn(process.execPath, ["--max-semi-space-size=64", "--import", "tsx", SERVER, "--port", String(port), "--hostname", "127.0.0.1"], {
    cwd: ROOT,
    // NODE_ENV: vitest sets "test", which the production server must not inherit.
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1", PORT: String(port), AUTH_URL: url, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64 * 1024);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  if (child.pid === undefined) throw new Error(`could not start ${SERVER}`);
  const pid = child.pid;

  const server: WebServer = {
    url,
    port,
    pid,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = exited(child);
      process.kill(pid, "SIGTERM");
      const timer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      }, 10_000);
      await gone;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the web server exited with code ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/signin`, { redirect: "manual", signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the web server did not answer on ${url}/signin within ${opts.readyTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Signs in through Auth.js's own endpoints (CSRF token, credentials callback) and returns the session cookie. */
export async function signInOverHttp(base: string, email: string, password: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password }),
  });
  const session = response.headers.getSetCookie().find((c) => c.includes("session-token="));
  if (!session) throw new Error(`sign-in as ${email} failed (${response.status})`);
  return session.split(";")[0]!;
}
