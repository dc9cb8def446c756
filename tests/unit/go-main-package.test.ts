// Where a Go submission's main package is, read from the normalised archive,
// and the message a build of the root gives when it is elsewhere (issue 20, item 8).
import { describe, expect, it } from "vitest";
import { normaliseArchive, packEntries, type PackEntry } from "../../lib/archive.js";
import { goLayout, misplacedMainPackage, packageClause } from "../../lib/go-main-package.js";
import { TOOLCHAINS } from "../../lib/toolchains.js";

const MAIN = "package main\n\nfunc main() {}\n";
const GO_MOD = "module example.com/node\n\ngo 1.23\n";
const BUILD = TOOLCHAINS.go.buildCommand;

/** The normalised tar (as the build step holds it) of these files. */
async function normalisedTar(files: Record<string, string>): Promise<Buffer> {
  const entries: PackEntry[] = Object.entries(files).map(([path, text]) => ({ path, type: "file", mode: 0o644, content: Buffer.from(text) }));
  return (await normaliseArchive(await packEntries(entries), 10001)).tar;
}

async function messageFor(files: Record<string, string>): Promise<string | undefined> {
  return misplacedMainPackage(await goLayout(await normalisedTar(files)), BUILD);
}

describe("the package clause of a Go file", () => {
  it.each([
    ["package main\n", "main"],
    ["// Copyright\n/* licence\n spans lines */\n\npackage  main // the node\n", "main"],
    ["\uFEFFpackage node\n", "node"],
    ["//go:build linux\n\npackage main\n", "main"],
    ["//go:build ignore\n\npackage main\n", undefined],
    ["// +build ignore\n\npackage main\n", undefined],
    ["/* never closed\npackage main\n", undefined],
    ["func main() {}\n", undefined],
    ["", undefined],
  ])("%j declares %s", (source, expected) => {
    expect(packageClause(source)).toBe(expected);
  });
});

describe("a build of the archive's root finds its main package elsewhere", () => {
  it.each<{ layout: string; files: Record<string, string>; says: RegExp[] }>([
    {
      layout: "cmd/<name>/main.go under a module at the root",
      files: { "go.mod": GO_MOD, "cmd/echo/main.go": MAIN, "cmd/echo/handlers.go": "package main\n", "internal/store/store.go": "package store\n" },
      says: [/the archive's root has no Go files/, /package main was found in cmd\/echo\/ \(handlers\.go, main\.go\)/, /go build -o \/work\/out\/node \./, /move the files of cmd\/echo\/ to the root of your module, beside go\.mod/],
    },
    {
      layout: "a module zipped from its parent folder",
      files: { "maelstrom-echo/go.mod": GO_MOD, "maelstrom-echo/main.go": MAIN },
      says: [/package main was found in maelstrom-echo\/ \(main\.go\)/, /maelstrom-echo\/ is a module of its own \(it has go\.mod\): upload that folder's contents/, /labgrade submit COURSE LAB maelstrom-echo/, /tar -czf solution\.tar\.gz -C maelstrom-echo \./],
    },
    {
      layout: "a library at the root and main under cmd/",
      files: { "go.mod": GO_MOD, "node.go": "package node\n", "cmd/node/main.go": MAIN },
      says: [/the archive's root holds package node, not package main/, /package main was found in cmd\/node\/ \(main\.go\)/, /package node into a folder of its own that main imports/],
    },
    {
      layout: "several main packages, none at the root",
      files: { "go.mod": GO_MOD, "cmd/echo/main.go": MAIN, "cmd/broadcast/main.go": MAIN },
      says: [/package main was found in 2 folders: cmd\/broadcast\/ \(main\.go\); cmd\/echo\/ \(main\.go\)/, /keep the node's main package at the root/],
    },
    {
      layout: "a library at the root and no main package anywhere",
      files: { "go.mod": GO_MOD, "node.go": "package node\n" },
      says: [/the archive's root holds package node, not package main: we build the root with/],
    },
  ])("$layout", async ({ files, says }) => {
    const message = await messageFor(files);
    expect(message).toBeDefined();
    for (const words of says) expect(message).toMatch(words);
  });

  it.each<{ layout: string; files: Record<string, string> }>([
    { layout: "main at the root", files: { "go.mod": GO_MOD, "main.go": MAIN, "cmd/tool/main.go": MAIN } },
    { layout: "main at the root beside an ignored generator", files: { "main.go": MAIN, "gen.go": "//go:build ignore\n\npackage gen\n" } },
    { layout: "no Go at all (Go's own error stands)", files: { "node.py": "print()\n" } },
  ])("says nothing for $layout", async ({ files }) => {
    expect(await messageFor(files)).toBeUndefined();
  });

  it("skips what the go tool skips: vendor/, testdata/, hidden folders, test files and ignored files", async () => {
    const layout = await goLayout(
      await normalisedTar({
        "go.mod": GO_MOD,
        "vendor/example.com/tool/main.go": MAIN,
        "testdata/fixture/main.go": MAIN,
        ".hidden/main.go": MAIN,
        "_old/main.go": MAIN,
        "node_test.go": MAIN,
        "gen.go": "//go:build ignore\n\npackage main\n",
        "cmd/echo/main.go": MAIN,
      }),
    );
    expect(layout).toEqual({ rootPackages: [], rootUnknown: false, mainDirs: [{ dir: "cmd/echo", files: ["main.go"], hasGoMod: false }] });
  });
});
