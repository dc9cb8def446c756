// The build step of a grading: the stored upload checked and normalised as
// the tree it describes (lib/archive.ts), then built in the lab's image in a
// throw-away, network-less container (sandbox/build.ts). A refused or
// unpackable archive is the student's build failure, never our error to
// retry: one accepted before a rule existed is refused here, and the build
// reports what the engine could not unpack. A lab's overlay (its own files:
// a tester, a harness) is laid over the student's source before the build;
// where ours replace theirs, the build log says so.
import { normaliseArchive, type PackEntry } from "../lib/archive.js";
import { StudentError } from "../lib/errors.js";
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

export async function buildStep(sandbox: GradingSandbox, input: BuildStepInput): Promise<BuildStepResult> {
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
  if (normalised.replaced.length === 0) return built;
  const shown = normalised.replaced.slice(0, 20).join(", ") + (normalised.replaced.length > 20 ? ", …" : "");
  return { ...built, log: `[labgrade] the lab's own files replaced these of yours: ${shown}\n${built.log}` };
}
