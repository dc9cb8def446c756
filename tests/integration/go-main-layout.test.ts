// A Go submission whose main package is not at the archive's root, built for
// real in the Go image by the build step (issue 20, item 8): it fails saying
// where main was found and what to upload, with Go's own output kept in the
// log; the same module with main at the root builds. The layouts one by one
// are in tests/unit/go-main-package.test.ts.
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { packEntries, type PackEntry } from "../../lib/archive.js";
import { TOOLCHAINS } from "../../lib/toolchains.js";
import { buildStep } from "../../runner/build-step.js";
import { buildSubmission, removeVolume } from "../../sandbox/build.js";
import { limits, testOwner } from "../support/sandbox.js";

const docker = new Docker();
const sandbox = { build: (req: Parameters<typeof buildSubmission>[1]) => buildSubmission(docker, req) };
const lab = { buildImage: TOOLCHAINS.go.buildImage, buildCommand: TOOLCHAINS.go.buildCommand, maxArchiveBytes: 1024 * 1024 };
const volumes: string[] = [];

const GO_MOD = "module example.com/echo\n\ngo 1.23\n";
const MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("node") }\n';

async function upload(files: Record<string, string>): Promise<Buffer> {
  const entries: PackEntry[] = Object.entries(files).map(([path, text]) => ({ path, type: "file", mode: 0o644, content: Buffer.from(text) }));
  return packEntries(entries);
}

async function build(name: string, files: Record<string, string>) {
  const result = await buildStep(sandbox, { upload: await upload(files), lab, limits, owner: testOwner(`go-main-${name}-${process.pid}`) });
  if (result.volume) volumes.push(result.volume);
  return result;
}

afterAll(async () => {
  for (const volume of volumes) await removeVolume(docker, volume);
});

describe("a Go build whose main package is not at the archive's root", () => {
  it("cmd/<name>/main.go fails with where main was found and what to upload, Go's words kept", async () => {
    const result = await build("cmd", { "go.mod": GO_MOD, "cmd/maelstrom-echo/main.go": MAIN });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/package main was found in cmd\/maelstrom-echo\/ \(main\.go\)/);
    expect(result.reason).toMatch(/move the files of cmd\/maelstrom-echo\/ to the root of your module/);
    expect(result.log).toMatch(/^\[labgrade\] the archive's root has no Go files/);
    expect(result.log).toMatch(/no Go files in \/work\/src/);
  });

  it("a library at the root that Go builds is still a failed build: no node could run it", async () => {
    const result = await build("library", { "go.mod": GO_MOD, "echo.go": "package echo\n\nfunc Echo(s string) string { return s }\n", "cmd/node/main.go": MAIN });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toMatch(/the archive's root holds package echo, not package main; package main was found in cmd\/node\/ \(main\.go\)/);
  });

  it("the same module with main at the root builds", async () => {
    const result = await build("root", { "go.mod": GO_MOD, "main.go": MAIN, "cmd/tool/main.go": MAIN });
    expect(result.ok, result.log).toBe(true);
  });
});
