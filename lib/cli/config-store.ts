// Where the command line keeps its login: `$XDG_CONFIG_HOME/labgrade/config.json`
// (default ~/.config), mode 0600 in a 0700 folder. LABGRADE_SERVER and
// LABGRADE_TOKEN stand in for the saved values, each on its own.
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CliError } from "./errors.js";

export interface Login {
  server: string;
  token: string;
}

export function configFile(): string {
  const base = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), ".config");
  return path.join(base, "labgrade", "config.json");
}

/** What `login` saved, or null when nothing (readable) is saved. */
export async function readSaved(): Promise<Partial<Login> | null> {
  try {
    return JSON.parse(await readFile(configFile(), "utf8")) as Partial<Login>;
  } catch {
    return null;
  }
}

/** The login to use: the environment's, else the saved one. */
export async function loadLogin(): Promise<Login> {
  // Empty counts as unset.
  const envToken = process.env.LABGRADE_TOKEN || undefined;
  const envServer = process.env.LABGRADE_SERVER || undefined;
  // Not logged in yet: the environment may still say everything.
  const saved = (await readSaved()) ?? {};
  const server = envServer ?? saved.server;
  const token = envToken ?? saved.token;
  if (!server || !token) throw new CliError("not logged in: run `labgrade login --server URL` first", 64);
  return { server, token };
}

/** Saves a login (private to the user); returns the file. */
export async function saveLogin(login: Login): Promise<string> {
  const file = configFile();
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

export async function forgetLogin(): Promise<void> {
  await rm(configFile(), { force: true });
}
