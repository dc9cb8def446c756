// The build step of a grading: the stored upload checked and normalised as
// the tree it describes (lib/archive.ts), then built in the lab's image in a
// throw-away, network-less container (sandbox/build.ts). A refused or
// unpackable archive is the student's build failure, never our error to
// retry: one accepted before a rule existed is refused here, and the build
// reports what the engine could not unpack. A lab's overlay (its own files:
// a tester, a harness) is laid over the student's source before the build;
// where ours replace theirs, the build log says so. A lab that builds the
// root as Go's main package (our Go toolchain's command) fails a build whose
// main package sits elsewhere (`cmd/<name>/`) with where it was found and what
// to upload (lib/go-main-package.ts), whatever Go itself said.
import { normaliseArchive, type PackEntry } from "../lib/archive.js";
import { StudentError } from "../lib/errors.js";
import { goLayout, misplacedMainPackage } from "../lib/go-main-package.js";
import { TOOLCHAINS } from "../lib/toolchains.js";
import type { BuildResult } from "../sandbox/build.js";
import { SANDBOX_UID } from "../sandbox/images/recipes.js";
import type { ResourceOwner } from "../sandbox/labels.js";
import type { GradingSandbox } from "./grading-sandbox.js";
import type { RunnerLimits } from "./limits.js";

/** Limits on what an archive may unpack to, whatever its lab allows to be uploaded. */
const MAX_UNPACKED_BYTES = 64 * 1024 * 1024;
const MAX_ENTRIES = 5000;

export interface BuildStepInput {
  upload: Buffer;
  lab: { buildImage: string; buildCommand: string; maxArchiveBytes: number };
  limits: RunnerLimits;
  owner: ResourceOwner;
  signal?: AbortSignal;
  /** Our own files laid over the student's source (lib/archive.ts withOverlay); none by default. */
  overlay?: readonly PackEntry[];
}

/** The build's outcome; a refused archive is a failed build with no volume. */
export type BuildStepResult = BuildResult | { ok: false; volume: undefined; reason: string; log: string };

export async function buildStep(sandbox: Pick<GradingSandbox, "build">, input: BuildStepInput): Promise<BuildStepResult> {
  const normalised = await normaliseArchive(
    input.upload,
    SANDBOX_UID,
    { maxArchiveBytes: Math.max(input.lab.maxArchiveBytes, input.upload.length), maxUnpackedBytes: MAX_UNPACKED_BYTES, maxEntries: MAX_ENTRIES },
    input.overlay,
  ).catch((err: unknown) => {
    if (err instanceof StudentError) return err;
    throw err;
  });
  if (normalised instanceof StudentError) {
    return { ok: false, volume: undefined, reason: `the archive was refused: ${normalised.message}`, log: `${normalised.code}: ${normalised.message}` };
  }
  const built = await sandbox.build({
    tar: normalised.tar,
    image: input.lab.buildImage,
    command: input.lab.buildCommand,
    timeoutMs: input.limits.buildTimeoutMs,
    limits: input.limits.build,
    owner: input.owner,
    signal: input.signal,
  });
  const checked = await withMainPackageCheck(built, normalised.tar, input.lab.buildCommand);
  if (normalised.replaced.length === 0) return checked;
  const shown = normalised.replaced.slice(0, 20).join(", ") + (normalised.replaced.length > 20 ? ", …" : "");
  return { ...checked, log: `[labgrade] the lab's own files replaced these of yours: ${shown}\n${checked.log}` };
}

/**
 * The build, failed with where the main package is when the lab builds the
 * archive's root as one and the root holds none. Checked after the build, so
 * Go's own output is kept in the log, and also when the build succeeded: a
 * root holding another package builds to a library archive that no node can
 * run. A lab with a build command of its own is left to that command.
 */
async function withMainPackageCheck(built: BuildResult, tar: Buffer, buildCommand: string): Promise<BuildResult> {
  if (buildCommand !== TOOLCHAINS.go.buildCommand) return built;
  const misplaced = misplacedMainPackage(await goLayout(tar), buildCommand);
  if (misplaced === undefined) return built;
  return { ok: false, volume: built.volume, durationMs: built.durationMs, reason: misplaced, log: `[labgrade] ${misplaced}\n${built.log}` };
}
