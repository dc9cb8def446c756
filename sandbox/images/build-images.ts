// Builds the sandbox images from Debian packages, without any registry:
//   1. a root file system per package set: debootstrap once, then apt-get in a
//      chroot for toolchains, imported with `docker import` as
//      labgrade/rootfs-<name>:<hash>;
//   2. our userspace packet scheduler (sandbox/programs/shaper, Go, standard library
//      only) compiled in the go image's root file system, with no network;
//   3. the final image labgrade/<name>:<hash> (and :latest) adds our agent,
//      test controller, services and the shaper, built through the Docker API
//      from the rootfs image.
// Both steps are skipped when an image with the recipe's hash exists, so a
// second run does nothing. Run as root (debootstrap and chroot need it).
import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Docker from "dockerode";
import { extract, pack } from "tar-stream";
import { BUILD_GO_CACHE, GO_ENV_WORDS } from "../../lib/toolchains.js";
import { bundleSandboxPrograms } from "./bundle-programs.js";
import {
  BASE_PACKAGES,
  GO_STD_CACHE,
  DEBIAN_MIRROR,
  DEBIAN_SUITE,
  RECIPES,
  SANDBOX_UID,
  imageName,
  type ImageRecipe,
} from "./recipes.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const STATE_DIR = path.join(ROOT, "var/images");
/** Bump when this script changes what it puts into a root file system. */
const ROOTFS_SCRIPT_VERSION = "2";

function log(line: string): void {
  process.stdout.write(`[images] ${line}\n`);
}

function run(cmd: string, args: string[], opts: { input?: NodeJS.ReadableStream } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input ? "pipe" : "ignore", "pipe", "pipe"] }) as ChildProcessByStdio<Writable | null, Readable, Readable>;
    let tail = "";
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    if (opts.input && child.stdin) opts.input.pipe(child.stdin);
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${tail}`)),
    );
  });
}

async function sha256File(file: string): Promise<string> {
  return createHash("sha256").update(await readFile(file)).digest("hex");
}

async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  try {
    await docker.getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** What makes two root file systems differ: packages, sources, commands and the node binary. */
function rootfsKey(recipe: ImageRecipe, nodeHash: string): string {
  return createHash("sha256")
    .update(
      JSON.stringify({
        v: ROOTFS_SCRIPT_VERSION,
        suite: DEBIAN_SUITE,
        base: BASE_PACKAGES,
        packages: recipe.packages,
        sources: recipe.aptSources,
        release: recipe.targetRelease ?? null,
        post: recipe.postInstall,
        nodeHash,
      }),
    )
    .digest("hex")
    .slice(0, 16);
}

async function debootstrapBase(): Promise<string> {
  const key = createHash("sha256").update(JSON.stringify([DEBIAN_SUITE, BASE_PACKAGES])).digest("hex").slice(0, 12);
  const dir = path.join(STATE_DIR, `debootstrap-${key}`);
  if (existsSync(path.join(dir, ".complete"))) return dir;
  log(`debootstrap ${DEBIAN_SUITE} (minbase + ${BASE_PACKAGES.join(", ")}) into ${dir} (about 30 s)`);
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(STATE_DIR, { recursive: true });
  await run("debootstrap", [
    "--variant=minbase",
    `--include=${BASE_PACKAGES.join(",")}`,
    DEBIAN_SUITE,
    tmp,
    DEBIAN_MIRROR,
  ]);
  await writeFile(path.join(tmp, ".complete"), new Date().toISOString());
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return dir;
}

async function chroot(dir: string, script: string): Promise<void> {
  await run("chroot", [dir, "/bin/sh", "-euc", script]);
}

async function buildRootfs(recipe: ImageRecipe, ref: string): Promise<void> {
  const base = await debootstrapBase();
  const dir = path.join(STATE_DIR, `work-${recipe.name}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  log(`${ref}: copying the base system`);
  // cp -a keeps device nodes, owners and hard links, which fs.cp cannot.
  await run("cp", ["-a", base, dir]);
  await rm(path.join(dir, ".complete"), { force: true });
  await mkdir(path.join(dir, "proc"), { recursive: true });
  await run("mount", ["-t", "proc", "proc", path.join(dir, "proc")]);
  try {
    if (recipe.packages.length > 0) {
      if (recipe.aptSources.length > 0) {
        await writeFile(path.join(dir, "etc/apt/sources.list.d/labgrade.list"), recipe.aptSources.join("\n") + "\n");
      }
      log(`${ref}: apt-get install ${recipe.packages.join(" ")} (in a chroot)`);
      const release = recipe.targetRelease ? `-t ${recipe.targetRelease}` : "";
      await chroot(
        dir,
        `export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq --no-install-recommends ${release} ${recipe.packages.join(" ")}`,
      );
    }
    for (const command of recipe.postInstall) await chroot(dir, command);
    await chroot(dir, "apt-get clean; rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log");
  } finally {
    await run("umount", [path.join(dir, "proc")]);
  }
  // Our programs run under the host's node binary (see ENVIRONMENT.md); the
  // rootfs key includes its hash so an upgrade rebuilds.
  await cp(process.execPath, path.join(dir, "usr/local/bin/node"));
  await mkdir(path.join(dir, "opt/labgrade"), { recursive: true });
  // A fresh Docker volume mounted at /work (build output) or /data (a node's
  // state that survives restarts) takes the directory's owner from the image,
  // so the sandbox user can write there.
  for (const owned of ["work", "data"]) {
    await mkdir(path.join(dir, owned), { recursive: true });
    await run("chown", [`${SANDBOX_UID}:${SANDBOX_UID}`, path.join(dir, owned)]);
  }
  log(`${ref}: importing into the Docker engine`);
  const tar = spawn("tar", ["--numeric-owner", "-C", dir, "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  await run("docker", ["import", "-", ref], { input: tar.stdout });
  await rm(dir, { recursive: true, force: true });
}

async function buildFinal(docker: Docker, recipe: ImageRecipe, rootfsRef: string, ref: string, programs: Map<string, Buffer>): Promise<void> {
  const env = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", ...recipe.env };
  const dockerfile = [
    `FROM ${rootfsRef}`,
    `COPY ${[...programs.keys()].join(" ")} /opt/labgrade/`,
    ...Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    `LABEL labgrade.image=${recipe.name}`,
    `USER ${SANDBOX_UID}:${SANDBOX_UID}`,
    "WORKDIR /work",
  ].join("\n");
  const context = pack();
  context.entry({ name: "Dockerfile" }, dockerfile);
  for (const [name, content] of programs) context.entry({ name, mode: EXECUTABLES.has(name) ? 0o755 : 0o644 }, content);
  context.finalize();
  const [repo, tag] = ref.split(":");
  const stream = await docker.buildImage(context as unknown as NodeJS.ReadableStream, { t: ref, networkmode: "none", rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
      const failed = output?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    }),
  );
  await docker.getImage(ref).tag({ repo: repo!, tag: "latest" });
  log(`${ref}: built (tag ${tag} and latest)`);
}

/** Programs that are binaries, not scripts for node. */
const EXECUTABLES = new Set(["shaper"]);
const SHAPER_SOURCE = path.join(ROOT, "sandbox/programs/shaper");

/**
 * Compiles the shaper in the go image's root file system (a container with
 * no network, the sources copied in): a static binary, built reproducibly
 * (-trimpath, no build id), cached under var/images by the hash of its
 * sources and of the toolchain's root file system.
 */
async function buildShaper(docker: Docker, goRootfsRef: string): Promise<Buffer> {
  const names = (await readdir(SHAPER_SOURCE)).filter((n) => n.endsWith(".go") || n === "go.mod").sort();
  const sources = await Promise.all(names.map(async (name) => ({ name, content: await readFile(path.join(SHAPER_SOURCE, name)) })));
  const key = createHash("sha256").update(goRootfsRef);
  for (const s of sources) key.update(s.name).update(s.content);
  const cached = path.join(STATE_DIR, `shaper-${key.digest("hex").slice(0, 16)}`);
  if (existsSync(cached)) return readFile(cached);
  log(`compiling the packet scheduler (sandbox/programs/shaper) with ${goRootfsRef}`);
  const container = await docker.createContainer({
    Image: goRootfsRef,
    // The image's prebuilt standard library first (the same settings), so only the shaper compiles.
    Cmd: ["/bin/sh", "-euc", `cp -r ${GO_STD_CACHE} ${BUILD_GO_CACHE} && mkdir -p /out && cd /src && go vet ./... && go test -count=1 ./... && go build -trimpath -ldflags=-buildid= -o /out/shaper .`],
    Env: ["HOME=/tmp", `GOCACHE=${BUILD_GO_CACHE}`, ...GO_ENV_WORDS, "PATH=/usr/local/bin:/usr/bin:/bin"],
    NetworkDisabled: true,
    HostConfig: { NetworkMode: "none", Tmpfs: { "/tmp": "rw,exec,size=512m" } },
  });
  try {
    const context = pack();
    for (const s of sources) context.entry({ name: `src/${s.name}`, mode: 0o644 }, s.content);
    context.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of context) chunks.push(chunk as Buffer);
    await container.putArchive(Buffer.concat(chunks), { path: "/" });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    if (StatusCode !== 0) throw new Error(`compiling sandbox/programs/shaper failed (exit ${StatusCode}):\n${logs.toString("utf8").slice(-4000)}`);
    const archive = await container.getArchive({ path: "/out/shaper" });
    const binary = await new Promise<Buffer>((resolve, reject) => {
      const extractor = extract();
      const parts: Buffer[] = [];
      extractor.on("entry", (_header, stream, next) => {
        stream.on("data", (c: unknown) => parts.push(c as Buffer));
        stream.on("end", next);
      });
      extractor.on("finish", () => resolve(Buffer.concat(parts)));
      extractor.on("error", reject);
      archive.pipe(extractor);
    });
    await mkdir(STATE_DIR, { recursive: true });
    await writeFile(cached, binary);
    return binary;
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

export async function buildImages(docker = new Docker()): Promise<Record<string, string>> {
  const nodeHash = (await sha256File(process.execPath)).slice(0, 16);
  const programs = await bundleSandboxPrograms();
  const rootfsRefs = new Map<string, { rootKey: string; rootfsRef: string }>();
  for (const recipe of RECIPES) {
    const rootKey = rootfsKey(recipe, nodeHash);
    const rootfsRef = `${imageName(`rootfs-${rootKey}`)}:${rootKey}`;
    if (!(await imageExists(docker, rootfsRef))) await buildRootfs(recipe, rootfsRef);
    rootfsRefs.set(recipe.name, { rootKey, rootfsRef });
  }
  programs.set("shaper", await buildShaper(docker, rootfsRefs.get("go")!.rootfsRef));
  const programsHash = createHash("sha256");
  for (const [name, content] of programs) programsHash.update(name).update(content);
  const built: Record<string, string> = {};
  for (const recipe of RECIPES) {
    const { rootKey, rootfsRef } = rootfsRefs.get(recipe.name)!;
    const finalKey = createHash("sha256")
      .update(JSON.stringify({ rootKey, env: recipe.env, programs: programsHash.copy().digest("hex") }))
      .digest("hex")
      .slice(0, 16);
    const ref = `${imageName(recipe.name)}:${finalKey}`;
    if (await imageExists(docker, ref)) {
      log(`${ref}: up to date`);
      await docker.getImage(ref).tag({ repo: imageName(recipe.name), tag: "latest" });
    } else {
      await buildFinal(docker, recipe, rootfsRef, ref, programs);
    }
    built[recipe.name] = ref;
  }
  return built;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildImages().then(
    (built) => {
      for (const [name, ref] of Object.entries(built)) log(`${name}: ${ref}`);
    },
    (err: unknown) => {
      process.stderr.write(`[images] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
