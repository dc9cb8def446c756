// The built-in labs: their specification, default suite and reference
// solutions (one correct, at least one deliberately broken). They seed the
// demo course and are the fixtures of the end-to-end tests.
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface BuiltinLab {
  slug: string;
  title: string;
  description: string;
  workload: string;
  buildImage: string;
  buildCommand: string;
  runImage: string;
  runCommand: string;
  /** The default suite, as staff would write it. */
  suiteSource: string;
  references: Array<{ name: string; dir: string; expectPass: boolean; why: string }>;
}

const GO_BUILD = { buildImage: "labgrade/go:latest", buildCommand: "go build -o /work/out/node .", runImage: "labgrade/go:latest", runCommand: "/work/out/node" };

export const BUILTIN_LABS: BuiltinLab[] = [
  {
    slug: "echo",
    title: "Echo",
    workload: "echo",
    ...GO_BUILD,
    description: [
      "# Echo",
      "",
      "Warm-up: write a node that speaks the Maelstrom protocol. Every node receives",
      "`init` first and must answer `init_ok`. Clients then send",
      "`{\"type\": \"echo\", \"msg_id\": 1, \"echo\": \"...\"}` and expect",
      "`{\"type\": \"echo_ok\", \"in_reply_to\": 1, \"echo\": \"...\"}` with the same text.",
      "",
      "Submit a `.tar.gz` of a Go module whose `main` package is at its root;",
      "we build it with `go build` (Go 1.23, no network: vendor your dependencies).",
    ].join("\n"),
    suiteSource: [
      "# Echo lab, default suite.",
      "version: 1",
      "tests:",
      "  - name: echo-3-nodes",
      "    workload: echo",
      "    nodes: 3",
      "    concurrency: 2",
      "    rate: 20",
      "    durationSeconds: 3",
      "    points: 1",
      "",
    ].join("\n"),
    references: [
      { name: "correct", dir: path.join(HERE, "echo/reference/correct"), expectPass: true, why: "echoes every text back" },
      { name: "wrong-echo", dir: path.join(HERE, "echo/reference/wrong-echo"), expectPass: false, why: "echoes back only half of each text" },
    ],
  },
];
