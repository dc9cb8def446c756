// The sandbox images, as recipes. Each recipe is built from Debian packages
// (no registry is reachable) and tagged with a hash of the recipe, so an image
// is rebuilt only when its recipe, the host's node binary or our in-container
// programs change. Every image also carries the tag `latest`, which is what
// labs name (e.g. "labgrade/go"), so a lab keeps working across rebuilds.
import { createHash } from "node:crypto";
import { GO_ENV, GO_ENV_WORDS, GO_STD_CACHE } from "../../lib/toolchains.js";

export interface ImageRecipe {
  /** Short name; the image is `labgrade/<name>`. */
  name: string;
  /** What the image is for, shown by the build script. */
  purpose: string;
  /** Debian packages installed on top of the base system. */
  packages: string[];
  /** Extra apt sources lines (e.g. bookworm-backports). */
  aptSources: string[];
  /** apt target release for `packages` (e.g. "bookworm-backports"), if any. */
  targetRelease?: string;
  /** Commands run in the chroot after installing (as root, no network needed). */
  postInstall: string[];
  /** Environment baked into the image. */
  env: Record<string, string>;
}

/** Packages of the base system every image starts from. */
export const BASE_PACKAGES = ["iproute2", "iptables", "ca-certificates", "procps"];
export const DEBIAN_SUITE = "bookworm";
export const DEBIAN_MIRROR = "http://deb.debian.org/debian";

/** uid and gid that every program we start inside a container runs as. */
export const SANDBOX_UID = 10001;

// Where the go image keeps its prebuilt standard-library build cache (copied into each build's GOCACHE).
export { GO_STD_CACHE };

/** Standard packages (with their dependencies) compiled into GO_STD_CACHE: what Maelstrom-style nodes use. */
const GO_PREBUILT_PACKAGES = [
  "bufio",
  "bytes",
  "container/heap",
  "container/list",
  "context",
  "crypto/sha256",
  "encoding/base64",
  "encoding/binary",
  "encoding/json",
  "errors",
  "flag",
  "fmt",
  "hash/fnv",
  "io",
  "log",
  "maps",
  "math",
  "math/rand",
  "math/rand/v2",
  "net",
  "os",
  "os/signal",
  "slices",
  "sort",
  "strconv",
  "strings",
  "sync",
  "sync/atomic",
  "time",
];

export const RECIPES: ImageRecipe[] = [
  {
    name: "base",
    purpose: "node agent and test controller; runs prebuilt static binaries",
    packages: [],
    aptSources: [],
    postInstall: [],
    env: {},
  },
  {
    name: "go",
    purpose: "Go 1.23 toolchain (Debian bookworm-backports)",
    packages: ["golang-1.23-go"],
    aptSources: [`deb ${DEBIAN_MIRROR} bookworm-backports main`],
    targetRelease: "bookworm-backports",
    postInstall: [
      "ln -sf /usr/lib/go-1.23/bin/go /usr/local/bin/go",
      "ln -sf /usr/lib/go-1.23/bin/gofmt /usr/local/bin/gofmt",
      // The standard library packages labs use, compiled once into a build
      // cache that each build starts from (a copy: builds never share a
      // writable cache). With the image's own environment, so the cache keys
      // match: a student's build then compiles only their own code (~0.2 s
      // instead of ~10 s for an echo server).
      `mkdir -p ${GO_STD_CACHE} && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/tmp GOCACHE=${GO_STD_CACHE} ${GO_ENV_WORDS.join(" ")} go build ${GO_PREBUILT_PACKAGES.join(" ")} && chmod -R a+rX ${GO_STD_CACHE}`,
    ],
    // GOFLAGS=-mod=vendor would break modules without vendor/; Go picks vendor/ by itself when present.
    env: { ...GO_ENV },
  },
  {
    name: "python",
    purpose: "Python 3 (Debian bookworm)",
    packages: ["python3-minimal", "python3"],
    aptSources: [],
    postInstall: [],
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
  },
  {
    name: "node",
    purpose: "Node.js (the host's node binary, also used by our agent)",
    packages: [],
    aptSources: [],
    postInstall: [],
    env: {},
  },
];

export function recipeHash(recipe: ImageRecipe, extra: string): string {
  return createHash("sha256")
    .update(JSON.stringify({ recipe, base: BASE_PACKAGES, suite: DEBIAN_SUITE, extra }))
    .digest("hex")
    .slice(0, 16);
}

export function imageName(name: string): string {
  return `labgrade/${name}`;
}
