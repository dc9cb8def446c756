// The echo lab: the warm-up, protocol only.
import { GO_TOOLCHAIN, referenceSolution, type BuiltinLab } from "../builtin-lab.js";

export const echoLab: BuiltinLab = {
  slug: "echo",
  title: "Echo",
  workload: "echo",
  ...GO_TOOLCHAIN,
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
    referenceSolution("echo", "correct", { expectPass: true, why: "echoes every text back" }),
    referenceSolution("echo", "wrong-echo", { expectPass: false, why: "echoes back only half of each text", failureReason: /returned a different text/ }),
  ],
};
