// A real PostgreSQL server that refuses every connection the way a starting
// or recovering server does: a fresh cluster started as a standby with hot
// standby off stays in recovery and answers each connection with FATAL 57P03
// ("the database system is not accepting connections"), the same SQLSTATE as
// "the database system is starting up", but for as long as the test needs.
// Runs as the postgres user from this machine's PostgreSQL binaries, in a
// scratch folder, on a free loopback port; stop() removes everything.
import { execFile } from "node:child_process";
import { appendFile, chown, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./web-server.js";

const run = promisify(execFile);

async function postgresBin(): Promise<string> {
  const versions = (await readdir("/usr/lib/postgresql")).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("no PostgreSQL binaries under /usr/lib/postgresql (infra/up installs them)");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export async function startRefusingPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  if (os.userInfo().uid !== 0) throw new Error("starting a scratch PostgreSQL needs root (to run it as the postgres user)");
  const bin = await postgresBin();
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-pg-standby-"));
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  await chown(dir, Number(uid), Number(gid));
  const data = path.join(dir, "data");
  const asPostgres = (command: string) => run("su", ["postgres", "-s", "/bin/sh", "-c", command]);
  const port = await freePort();
  await asPostgres(`${bin}/initdb -D ${data} -A trust -U labgrade >/dev/null`);
  await writeFile(path.join(data, "standby.signal"), "");
  await chown(path.join(data, "standby.signal"), Number(uid), Number(gid));
  await appendFile(path.join(data, "postgresql.conf"), `\nhot_standby = off\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\n`);
  await asPostgres(`${bin}/pg_ctl -D ${data} -l ${dir}/log -w start >/dev/null`);
  return {
    url: `postgresql://labgrade@127.0.0.1:${port}/postgres`,
    async stop() {
      await asPostgres(`${bin}/pg_ctl -D ${data} -m immediate stop >/dev/null`).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
