// labgrade login --server URL [--token lgp_…]: checks the token against the
// server, then saves it (the token may also come from LABGRADE_TOKEN or stdin).
import { ApiClient } from "../api-client.js";
import { saveLogin } from "../config-store.js";
import { CliError, option, USAGE } from "../errors.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").trim();
}

export async function login(args: string[]): Promise<number> {
  const server = option(args, "--server");
  if (!server || !/^https?:\/\//.test(server)) throw new CliError(`login needs --server http(s)://…\n${USAGE}`, 64);
  const token = option(args, "--token") || process.env.LABGRADE_TOKEN || (process.stdin.isTTY ? undefined : await readStdin());
  if (!token) throw new CliError("give the token with --token, LABGRADE_TOKEN or on stdin (make one on your account page)", 64);
  const login = { server: server.replace(/\/+$/, ""), token };
  const { courses } = await new ApiClient(login).courses();
  const file = await saveLogin(login);
  console.log(`logged in to ${login.server} (${courses.length} course${courses.length === 1 ? "" : "s"}); token saved in ${file}`);
  return 0;
}
