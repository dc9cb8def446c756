// Every built-in lab's reference solutions, packed as the seed packs them,
// built in the real build sandbox and run through the lab's short suite (or
// its default suite, where that is short) on real clusters with real faults:
// each correct solution passes, and each deliberately broken one fails for
// the reason its lab names. The shared Go
// package they vendor (lib/labs/go-maelstrom) runs its own tests here too, in
// the Go image, since the host has no Go toolchain.
//
// Builds run one at a time in the background from the start, so they overlap
// the (sequential) cluster runs; each reference is built once for all the
// tests of its suite.
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { normaliseArchive, packDirectory } from "../../lib/archive.js";
import { BUILTIN_LABS, type BuiltinLab, type ReferenceSolution } from "../../lib/labs/builtin.js";
import { GO_MAELSTROM_DIR, packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { newSeed } from "../../lib/random.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import type { TestSpec } from "../../lib/suites/schema.js";
import { judge } from "../../runner/judge.js";
import { testRunRequest } from "../../runner/test-run.js";
import { buildSubmission, removeVolume, type BuildResult } from "../../sandbox/build.js";
import { runClusterTest } from "../../sandbox/cluster.js";
import { SANDBOX_UID } from "../../sandbox/images/recipes.js";
import { limits, testOwner } from "../support/sandbox.js";

const docker = new Docker();

const builds = new Map<ReferenceSolution, Promise<BuildResult>>();
let buildQueue: Promise<unknown> = Promise.resolve();

/** Queues the reference's build behind the others; the promise is shared by its tests. */
function buildOf(lab: BuiltinLab, ref: ReferenceSolution): Promise<BuildResult> {
  let build = builds.get(ref);
  if (!build) {
    build = buildQueue.then(async () => {
      const { tar } = await normaliseArchive(await packReferenceSolution(ref.dir), SANDBOX_UID);
      return buildSubmission(docker, {
        tar,
        image: lab.buildImage,
        command: lab.buildCommand,
        timeoutMs: 180_000,
        limits: limits.build,
        owner: testOwner(`build-${lab.slug}-${ref.name}`),
      });
    });
    buildQueue = build.catch(() => undefined);
    builds.set(ref, build);
  }
  return build;
}

/** The lab's short suite where it has one: Fly.io's runs take minutes a lab (their suites are checked by tests/unit/flyio-suites.test.ts, and 3d is run by flyio-broadcast.test.ts). */
function suiteOf(lab: BuiltinLab): TestSpec[] {
  const parsed = parseSuite(lab.shortSuiteSource ?? lab.suiteSource);
  if (!parsed.ok) throw new Error(`the ${lab.slug} suite is invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.spec.tests;
}

/**
 * The labs whose references run: all, or those named in REFERENCE_LABS
 * (comma-separated slugs, e.g. `REFERENCE_LABS=kafka`), so one lab's
 * references can be run without building every other lab's first.
 */
function labsToRun(): BuiltinLab[] {
  const named = process.env.REFERENCE_LABS?.split(",").map((slug) => slug.trim()).filter(Boolean);
  if (!named || named.length === 0) return BUILTIN_LABS;
  const unknown = named.filter((slug) => !BUILTIN_LABS.some((lab) => lab.slug === slug));
  if (unknown.length > 0) throw new Error(`REFERENCE_LABS names no built-in lab: ${unknown.join(", ")} (labs: ${BUILTIN_LABS.map((lab) => lab.slug).join(", ")})`);
  return BUILTIN_LABS.filter((lab) => named.includes(lab.slug));
}
const LABS = labsToRun();

// Every build starts now, in test order, so none waits for a cluster run.
for (const lab of LABS) for (const ref of lab.references) void buildOf(lab, ref).catch(() => undefined);

/** `go vet` and `go test` of the shared package, queued after the references' builds. */
const goPackageCheck = buildQueue.then(async () => {
  const { tar } = await normaliseArchive(await packDirectory(GO_MAELSTROM_DIR), SANDBOX_UID);
  const result = await buildSubmission(docker, {
    tar,
    image: "labgrade/go:latest",
    command: "test -z \"$(gofmt -l .)\" && go vet ./... && go test -count=1 ./...",
    timeoutMs: 180_000,
    limits: limits.build,
    owner: testOwner("go-maelstrom-tests"),
  });
  await removeVolume(docker, result.volume);
  return result;
});
goPackageCheck.catch(() => undefined);

afterAll(async () => {
  const settled = await Promise.allSettled(builds.values());
  await Promise.all(settled.map((s) => (s.status === "fulfilled" ? removeVolume(docker, s.value.volume) : undefined)));
});

it("every built-in lab has a correct reference and a broken one that names its expected failure", () => {
  for (const lab of BUILTIN_LABS) {
    expect(lab.references.filter((r) => r.expectPass), lab.slug).not.toHaveLength(0);
    const broken = lab.references.filter((r) => !r.expectPass);
    expect(broken, lab.slug).not.toHaveLength(0);
    for (const ref of broken) expect(ref.failureReason, `${lab.slug}/${ref.name}`).toBeInstanceOf(RegExp);
  }
});

describe.each(LABS.map((lab) => [lab.slug, lab] as const))("%s", (_slug, lab) => {
  const runs = lab.references.flatMap((ref) => suiteOf(lab).map((test) => ({ ref, test })));
  it.each(runs.map((run) => [`${run.ref.name} ${run.ref.expectPass ? "passes" : "fails"} ${run.test.name}: ${run.ref.why}`, run] as const))(
    "%s",
    async (_title, { ref, test }) => {
      const build = await buildOf(lab, ref);
      expect(build.ok, `build of ${lab.slug}/${ref.name}:\n${build.log}`).toBe(true);
      const seed = test.seed ?? newSeed();
      const started = Date.now();
      // The run the grade job would ask for (runner/test-run.ts), with this machine's shaping.
      const cluster = await runClusterTest(
        docker,
        testRunRequest({
          test,
          seed,
          buildVolume: build.volume,
          lab: { runImage: lab.runImage, runCommand: lab.runCommand, protocol: "maelstrom" },
          limits,
          shaper: "userspace",
          owner: testOwner(`${lab.slug}-${ref.name}-${test.name}`),
        }),
      );
      const judged = judge(test, cluster);
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      console.log(
        `${lab.slug}/${ref.name} ${test.name}: ${judged.verdict} in ${seconds(Date.now() - started)} (build ${seconds(build.durationMs)}, seed ${seed}): ${judged.reason}`,
      );
      const context = `seed ${seed}; faults ${JSON.stringify(cluster.faults.map((f) => [f.kind, f.ok, f.detail]))}; reason: ${judged.reason}`;
      // The faults really happened: a verdict under a schedule that failed to apply proves nothing.
      expect(cluster.faults.filter((f) => !f.ok), context).toEqual([]);
      if (ref.expectPass) {
        expect(judged.verdict, context).toBe("PASS");
      } else {
        expect(judged.verdict, context).not.toBe("PASS");
        expect(judged.reason, context).toMatch(ref.failureReason!);
      }
    },
  );
});

// Last: its check runs after every reference has been built.
it("the shared Go package is formatted, vetted and passes its tests", async () => {
  const result = await goPackageCheck;
  expect(result.ok, result.log).toBe(true);
  expect(result.log).toMatch(/^ok\s+labgrade\.dev\/maelstrom/m);
});
