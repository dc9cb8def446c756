// The pieces of `./infra/up --engine-host` (infra/engine.sh) that can be shown
// without starting an engine: the dockerd command line it composes, the
// settings it refuses, and the TLS material it makes (checked with openssl
// itself), made once and kept on a second run. The engine itself, started by
// the same functions, is exercised in tests/integration/second-engine.test.ts.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function newDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "labgrade-engine-host-"));
  scratch.push(dir);
  return dir;
}

/** Runs `script` after sourcing infra/lib.sh and infra/engine.sh, with `settings` as ENGINE_* variables. */
async function engineShell(dir: string, settings: Record<string, string>, script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { NODE_ENV: "test", PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, LABGRADE_VAR: path.join(dir, "var"), ...settings };
  try {
    const { stdout, stderr } = await run("bash", ["-c", `set -euo pipefail; . "${ROOT}/infra/lib.sh"; . "${ROOT}/infra/engine.sh"; ${script}`], { env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const openssl = async (...args: string[]) => (await run("openssl", args)).stdout;

describe("the engine's command line", () => {
  it("listens on TCP only with TLS verification, and takes networks from the lab pool", async () => {
    const dir = await newDir();
    const { stdout, code } = await engineShell(dir, { ENGINE_ADDRESS: "10.0.0.7" }, "engine_dockerd_flags");
    expect(code).toBe(0);
    const tls = path.join(dir, "var/engine-tls");
    expect(stdout.trim().split("\n")).toEqual([
      "--data-root", "/var/lib/docker", "--exec-root", "/var/run/docker", "--pidfile", "/var/run/docker.pid",
      "-H", "unix:///var/run/docker.sock", "-H", "tcp://10.0.0.7:2376",
      "--tlsverify", "--tlscacert", `${tls}/ca.pem`, "--tlscert", `${tls}/server-cert.pem`, "--tlskey", `${tls}/server-key.pem`,
      "--bip", "198.18.255.1/24", "--default-address-pool", "base=198.18.0.0/16,size=24", "--log-level", "warn",
    ]);
  });

  it("gives an engine of its own its own places, key and bridge inside its pool", async () => {
    const dir = await newDir();
    const { stdout } = await engineShell(
      dir,
      { ENGINE_ADDRESS: "198.19.120.2", ENGINE_POOL: "198.19.64.0/20", ENGINE_DATA_ROOT: `${dir}/data`, ENGINE_EXEC_ROOT: `${dir}/exec`, ENGINE_PIDFILE: `${dir}/dockerd.pid`, ENGINE_SOCKET: `${dir}/docker.sock`, ENGINE_KEY_PATH: `${dir}/key.json` },
      "engine_dockerd_flags",
    );
    const flags = stdout.trim().split("\n");
    const value = (flag: string) => flags[flags.indexOf(flag) + 1];
    expect(value("--data-root")).toBe(`${dir}/data`);
    expect(value("--exec-root")).toBe(`${dir}/exec`);
    expect(value("--bip")).toBe("198.19.79.1/24");
    expect(value("--default-address-pool")).toBe("base=198.19.64.0/20,size=24");
    expect(value("--config-file")).toBe(`${dir}/key.json.daemon.json`);
    expect(flags.filter((f) => f.startsWith("tcp://"))).toEqual(["tcp://198.19.120.2:2376"]);
  });
});

describe("settings an engine host refuses", () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["a pool outside the range reserved for testing", { ENGINE_POOL: "10.0.0.0/16" }, /the lab pool 10\.0\.0\.0\/16 is not a subnet of 198\.18\.0\.0\/15/],
    ["a pool smaller than a cluster's /24", { ENGINE_POOL: "198.18.0.0/25" }, /between \/15 and \/24/],
    ["a pool that is not a range", { ENGINE_POOL: "198.18.0.0" }, /is not a subnet/],
    ["no address", { ENGINE_ADDRESS: "" }, /no address for runners to reach the engine on/],
    ["an address that is a name", { ENGINE_ADDRESS: "engine-1.example" }, /--address engine-1\.example is not an IPv4 address/],
    ["an address inside the lab pool", { ENGINE_ADDRESS: "198.18.3.4" }, /the engine's address 198\.18\.3\.4 is inside its lab pool/],
    ["a runner range the guard never drops", { ENGINE_RUNNER_ADDRESSES: "10.1.2.3" }, /--runner-address 10\.1\.2\.3 is outside 198\.18\.0\.0\/15: the guard never drops it/],
    ["a runner range that overlaps the lab pool", { ENGINE_RUNNER_ADDRESSES: "198.19.120.1 198.18.7.0/24" }, /--runner-address 198\.18\.7\.0\/24 overlaps the lab pool 198\.18\.0\.0\/16: lab containers would get the engine's API port/],
    ["a runner range over all of the testing range", { ENGINE_RUNNER_ADDRESSES: "198.18.0.0/15" }, /overlaps the lab pool/],
    ["a runner range that is not one", { ENGINE_RUNNER_ADDRESSES: "198.19.300.1" }, /--runner-address 198\.19\.300\.1 is not an address or CIDR range/],
  ];
  it.each(cases)("%s", async (_, settings, message) => {
    const dir = await newDir();
    const { code, stderr } = await engineShell(dir, { ENGINE_ADDRESS: "198.19.120.2", ...settings }, "engine_check_settings");
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
    expect(stderr).toContain("how to fix:");
  });

  it("takes a runner outside the pool, beside it in the testing range", async () => {
    const dir = await newDir();
    const { code, stderr } = await engineShell(dir, { ENGINE_ADDRESS: "198.19.120.2", ENGINE_RUNNER_ADDRESSES: "198.19.120.1 198.19.121.0/30" }, "engine_check_settings");
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("the engine's TLS material", () => {
  const SETTINGS = { ENGINE_ADDRESS: "198.19.120.2" };

  async function contents(tls: string): Promise<Record<string, string>> {
    const files = ["ca.pem", "ca-key.pem", "server-cert.pem", "server-key.pem", "client/ca.pem", "client/cert.pem", "client/key.pem"];
    return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(path.join(tls, f), "utf8")] as const)));
  }

  it("is a CA, the engine's certificate for its address and the runners' client certificate; a second run keeps them", async () => {
    const dir = await newDir();
    const tls = path.join(dir, "var/engine-tls");
    const first = await engineShell(dir, SETTINGS, "engine_tls; echo changed=$ENGINE_TLS_CHANGED");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/made a CA .*; the engine's certificate for 198\.19\.120\.2; the runners' client certificate/);
    expect(first.stdout).toContain("changed=1");

    // Each certificate is signed by the CA, for its purpose; the engine's names its address.
    for (const cert of ["server-cert.pem", "client/cert.pem"]) expect(await openssl("verify", "-CAfile", `${tls}/ca.pem`, `${tls}/${cert}`)).toContain(": OK");
    const server = await openssl("x509", "-noout", "-text", "-in", `${tls}/server-cert.pem`);
    expect(server).toMatch(/Subject Alternative Name:\s*\n\s*IP Address:198\.19\.120\.2\s*\n/);
    expect(server).toMatch(/Extended Key Usage:\s*\n\s*TLS Web Server Authentication/);
    const client = await openssl("x509", "-noout", "-text", "-in", `${tls}/client/cert.pem`);
    expect(client).toMatch(/Extended Key Usage:\s*\n\s*TLS Web Client Authentication/);
    expect(client).not.toContain("Subject Alternative Name");
    // What runners get is Docker's client layout; private keys are the owner's alone.
    expect(await readFile(`${tls}/client/ca.pem`, "utf8")).toBe(await readFile(`${tls}/ca.pem`, "utf8"));
    for (const key of ["ca-key.pem", "server-key.pem", "client/key.pem"]) expect((await stat(`${tls}/${key}`)).mode & 0o777).toBe(0o600);
    expect((await stat(tls)).mode & 0o777).toBe(0o700);

    const before = await contents(tls);
    const again = await engineShell(dir, SETTINGS, "engine_tls; echo changed=$ENGINE_TLS_CHANGED");
    expect(again.stdout).toContain("TLS certificates up to date");
    expect(again.stdout).toContain("changed=0");
    expect(await contents(tls)).toEqual(before);
  });

  it("makes only the engine's certificate again when the address changes", async () => {
    const dir = await newDir();
    const tls = path.join(dir, "var/engine-tls");
    await engineShell(dir, SETTINGS, "engine_tls");
    const before = await contents(tls);
    const moved = await engineShell(dir, { ENGINE_ADDRESS: "198.19.121.2" }, "engine_tls; echo changed=$ENGINE_TLS_CHANGED");
    expect(moved.stdout).toMatch(/made the engine's certificate for 198\.19\.121\.2 /);
    expect(moved.stdout).toContain("changed=1");
    const after = await contents(tls);
    expect(after["server-cert.pem"]).not.toBe(before["server-cert.pem"]);
    expect({ ...after, "server-cert.pem": "", "server-key.pem": "" }).toEqual({ ...before, "server-cert.pem": "", "server-key.pem": "" });
    expect(await openssl("x509", "-noout", "-ext", "subjectAltName", "-in", `${tls}/server-cert.pem`)).toContain("IP Address:198.19.121.2");
  });

  it("signs with another engine host's CA when given one, so one client certificate opens every engine", async () => {
    const first = await newDir();
    await engineShell(first, SETTINGS, "engine_tls");
    const second = await newDir();
    const out = await engineShell(second, { ENGINE_ADDRESS: "198.19.122.2", ENGINE_CA_FROM: path.join(first, "var/engine-tls") }, "engine_tls");
    expect(out.stdout).toContain("CA copied from");
    const tls = path.join(second, "var/engine-tls");
    expect(await readFile(`${tls}/ca.pem`, "utf8")).toBe(await readFile(path.join(first, "var/engine-tls/ca.pem"), "utf8"));
    // The first host's client certificate is good for the second engine.
    expect(await openssl("verify", "-CAfile", `${tls}/ca.pem`, path.join(first, "var/engine-tls/client/cert.pem"))).toContain(": OK");
    expect(await openssl("verify", "-CAfile", path.join(first, "var/engine-tls/ca.pem"), `${tls}/server-cert.pem`)).toContain(": OK");
  });

  it("refuses a CA folder without the CA's key", async () => {
    const dir = await newDir();
    const { code, stderr } = await engineShell(dir, { ...SETTINGS, ENGINE_CA_FROM: dir }, "engine_tls");
    expect(code).toBe(1);
    expect(stderr).toMatch(/has no ca\.pem and ca-key\.pem/);
  });
});

describe("an images archive", () => {
  it("is read for the version of every tag it holds, from either engine's manifest layout, gzipped or not", async () => {
    const dir = await newDir();
    const [a, b] = ["a".repeat(64), "b".repeat(64)];
    const manifest = [
      { Config: `${a}.json`, RepoTags: ["labgrade/base:latest", "labgrade/base:0123"], Layers: ["x/layer.tar"] },
      { Config: `blobs/sha256/${b}`, RepoTags: ["labgrade/python:latest"], Layers: [] },
    ];
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
    await run("tar", ["-C", dir, "-cf", path.join(dir, "images.tar"), "manifest.json"]);
    await run("gzip", ["-k", path.join(dir, "images.tar")]);
    for (const file of ["images.tar", "images.tar.gz"]) {
      const { stdout } = await engineShell(dir, {}, `engine_archive_images "${path.join(dir, file)}"`);
      expect(stdout.trim().split("\n")).toEqual([`labgrade/base:latest sha256:${a}`, `labgrade/base:0123 sha256:${a}`, `labgrade/python:latest sha256:${b}`]);
    }
  });

  it("must hold every image the engine needs", async () => {
    const dir = await newDir();
    await writeFile(path.join(dir, "manifest.json"), JSON.stringify([{ Config: `${"a".repeat(64)}.json`, RepoTags: ["labgrade/base:latest"], Layers: [] }]));
    await run("tar", ["-C", dir, "-cf", path.join(dir, "images.tar"), "manifest.json"]);
    // No engine answers on this socket: every image counts as missing, and the archive lacks three.
    const { code, stderr } = await engineShell(dir, { ENGINE_SOCKET: path.join(dir, "none.sock") }, `engine_stale_images "${path.join(dir, "images.tar")}"`);
    expect(code).toBe(1);
    expect(stderr).toMatch(/images\.tar does not hold labgrade\/go:latest labgrade\/python:latest labgrade\/node:latest/);
  });
});

describe("./infra/up's options", () => {
  const up = async (...args: string[]) => {
    const dir = await newDir();
    return engineShell(dir, {}, `"${ROOT}/infra/up" ${args.map((a) => `'${a}'`).join(" ")}`);
  };
  it("refuses an engine host's settings before it touches anything", async () => {
    const bad = await up("--engine-host", "--address", "10.0.0.7", "--pool", "10.0.0.0/16");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/the lab pool 10\.0\.0\.0\/16 is not a subnet of 198\.18\.0\.0\/15/);
    expect(bad.stdout).not.toContain("installing");
  });
  it("takes engine-host options only with --engine-host, and an engine host starts no web app", async () => {
    expect((await up("--address", "10.0.0.7")).stderr).toMatch(/--address goes with --engine-host/);
    expect((await up("--engine-host", "--no-start")).stderr).toMatch(/--no-start does not go with --engine-host/);
    expect((await up("--engine-host", "--pool")).stderr).toMatch(/--pool needs a value/);
  });
});

