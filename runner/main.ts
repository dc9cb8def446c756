// The runner process: `npm run runner` (or `tsx runner/main.ts`). Start as
// many as you like, on as many Docker hosts as you like, against one
// PostgreSQL and one Redis (see README, "More runners").
import Docker from "dockerode";
import { config, ConfigError } from "../lib/config.js";
import { createDb } from "../lib/db.js";
import { errorMessage } from "../lib/errors.js";
import { runnerLimits } from "./limits.js";
import { startRunner } from "./worker.js";

async function main(): Promise<void> {
  const cfg = config();
  const db = createDb(cfg.DATABASE_URL);
  const docker = new Docker(); // honours DOCKER_HOST (unix socket or tcp://)
  const runner = await startRunner({
    db,
    docker,
    queue: { redisUrl: cfg.REDIS_URL, prefix: cfg.LABGRADE_QUEUE_PREFIX },
    runnerId: cfg.LABGRADE_RUNNER_ID,
    concurrency: cfg.LABGRADE_RUNNER_CONCURRENCY,
    limits: runnerLimits(cfg),
  });
  console.log(`[runner] ${runner.id} waiting for jobs (concurrency ${cfg.LABGRADE_RUNNER_CONCURRENCY})`);
  const stop = async (signal: string) => {
    console.log(`[runner] ${signal}: finishing running jobs, then stopping`);
    await runner.close();
    await db.$disconnect();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `[runner] ${err.message}` : `[runner] failed to start: ${errorMessage(err)}`);
  process.exit(1);
});
