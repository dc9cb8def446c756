import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import { BUILTIN_LABS } from "../../lib/labs/builtin.js";
import { packReferenceSolution, requiredVersion } from "../../lib/labs/pack-reference.js";

/** Path → content of every file in a .tar.gz (folders as ""). */
async function filesOf(archive: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const extractor = extract();
  const done = new Promise<void>((resolve, reject) => {
    extractor.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        files.set(header.name, Buffer.concat(chunks).toString("utf8"));
        next();
      });
    });
    extractor.on("finish", resolve);
    extractor.on("error", reject);
  });
  Readable.from([gunzipSync(archive)]).pipe(extractor);
  await done;
  return files;
}

const reference = (slug: string, name: string) => BUILTIN_LABS.find((l) => l.slug === slug)!.references.find((r) => r.name === name)!.dir;

describe("packReferenceSolution", () => {
  it("vendors labgrade.dev/maelstrom into a reference whose go.mod requires it", async () => {
    const files = await filesOf(await packReferenceSolution(reference("broadcast", "correct")));
    expect(files.get("go.mod")).toContain("require labgrade.dev/maelstrom v0.0.0");
    expect(files.has("main.go")).toBe(true);
    expect(files.get("vendor/labgrade.dev/maelstrom/node.go")).toContain("package maelstrom");
    expect(files.has("vendor/labgrade.dev/maelstrom/kv.go")).toBe(true);
    expect([...files.keys()].filter((f) => f.endsWith("_test.go") || f.endsWith("vendor/labgrade.dev/maelstrom/go.mod"))).toEqual([]);
    expect(files.get("vendor/modules.txt")).toBe("# labgrade.dev/maelstrom v0.0.0\n## explicit; go 1.23\nlabgrade.dev/maelstrom\n");
  });

  it("packs a reference that does not use the package as it is", async () => {
    const files = await filesOf(await packReferenceSolution(reference("echo", "correct")));
    expect([...files.keys()].sort()).toEqual(["go.mod", "main.go"]);
  });

  it("refuses a reference that already has a vendor folder", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "ref-"));
    try {
      await writeFile(path.join(dir, "go.mod"), "module example.com/x\n\ngo 1.23\n\nrequire labgrade.dev/maelstrom v0.0.0\n");
      await mkdir(path.join(dir, "vendor"));
      await expect(packReferenceSolution(dir)).rejects.toThrow(/vendor folder of its own/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("requiredVersion", () => {
  it.each([
    ["require labgrade.dev/maelstrom v0.0.0\n", "v0.0.0"],
    ["require (\n\texample.com/other v1.2.3\n\tlabgrade.dev/maelstrom v0.1.0 // indirect\n)\n", "v0.1.0"],
    ["module labgrade.dev/maelstrom\n\ngo 1.23\n", undefined],
    ["require labgrade.dev/maelstromx v1.0.0\n", undefined],
  ])("finds the version in %j", (goMod, version) => {
    expect(requiredVersion(goMod, "labgrade.dev/maelstrom")).toBe(version);
  });
});
