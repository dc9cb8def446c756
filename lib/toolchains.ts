// What a lab's code is built and run with, in one place: each toolchain's
// sandbox image, its default build and run commands, and what every build
// starts from (the build environment, Go's settings, Go's prebuilt
// standard-library cache). The lab form, the built-in labs, the image recipes
// (sandbox/images/recipes.ts), the image build (sandbox/images/build-images.ts,
// which compiles our shaper) and the build step (sandbox/build.ts) read it.

/** Where the Go image keeps its prebuilt standard-library build cache; each build starts from a private copy. */
export const GO_STD_CACHE = "/opt/go-std-cache";
/** Where a build's Go cache lives (its copy of GO_STD_CACHE, in the build's own /tmp). */
export const BUILD_GO_CACHE = "/tmp/go-cache";

/**
 * Go's settings, baked into the go image and used for every Go compile we run
 * (the image's prebuilt standard library, our shaper): the image's toolchain
 * only, no module proxy (builds have no network), no VCS stamp, static
 * binaries. The prebuilt cache is only reused by a compile with the same settings.
 */
export const GO_ENV = { GOTOOLCHAIN: "local", GOPROXY: "off", GOFLAGS: "-buildvcs=false", CGO_ENABLED: "0" } as const;

/** GO_ENV as NAME=value words, for a container's Env or an `env` command line. */
export const GO_ENV_WORDS = Object.entries(GO_ENV).map(([name, value]) => `${name}=${value}`);

/** A sandbox image by its short name: labs name the `latest` tag, which every rebuild moves. */
export function sandboxImage(name: "base" | "go" | "python" | "node"): string {
  return `labgrade/${name}:latest`;
}

/** Our own programs' image: the agent, the controller, the services and the netctl sidecars run from it. */
export const BASE_IMAGE = sandboxImage("base");

export const TOOLCHAINS = {
  go: {
    label: "Go 1.23",
    buildImage: sandboxImage("go"),
    buildCommand: "go build -o /work/out/node .",
    runImage: sandboxImage("go"),
    runCommand: "/work/out/node",
  },
  python: { label: "Python 3", buildImage: sandboxImage("python"), buildCommand: "true", runImage: sandboxImage("python"), runCommand: "python3 /work/src/main.py" },
  node: { label: "Node.js", buildImage: sandboxImage("node"), buildCommand: "true", runImage: sandboxImage("node"), runCommand: "node /work/src/main.js" },
} as const;
export type ToolchainName = keyof typeof TOOLCHAINS;

/** The toolchain a lab's build image belongs to, or null for an image an operator named. */
export function toolchainOf(lab: { buildImage: string }): ToolchainName | null {
  return (Object.keys(TOOLCHAINS) as ToolchainName[]).find((name) => TOOLCHAINS[name].buildImage === lab.buildImage) ?? null;
}

/** The environment of every build container (no home but /tmp; Go's caches inside the build). */
export const BUILD_ENV = ["HOME=/tmp", `GOCACHE=${BUILD_GO_CACHE}`, "GOPATH=/tmp/go", "TMPDIR=/tmp"];

/** The shell line a build container runs: its output folder, its copy of the Go cache (where the image has one), then the lab's command in /work/src. */
export function buildScript(command: string): string {
  return `mkdir -p /work/out && if [ -d ${GO_STD_CACHE} ]; then cp -r ${GO_STD_CACHE} ${BUILD_GO_CACHE}; fi && cd /work/src && ${command}`;
}
