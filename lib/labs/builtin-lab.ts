// What a built-in lab is made of, and what our Go labs share: the toolchain
// image and commands, and the paragraphs every description ends with. Each
// lab is defined in lib/labs/<slug>/lab.ts beside its reference solutions.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TOOLCHAINS } from "../toolchains.js";

export interface ReferenceSolution {
  name: string;
  /** Folder of the solution's source (packed with packReferenceSolution). */
  dir: string;
  /** Whether the lab's default suite must pass it. */
  expectPass: boolean;
  /** What it does right, or which mistake it makes on purpose. */
  why: string;
  /** For a broken one: words the failing test's reason must contain (checked by the reference-solution tests). */
  failureReason?: RegExp;
}

export interface BuiltinLab {
  slug: string;
  title: string;
  /** Markdown shown to students. */
  description: string;
  workload: string;
  /** How nodes talk: through our agent (Maelstrom, the default) or on their own (the Raft labs' peer hosts). */
  protocol?: "MAELSTROM" | "NATIVE";
  /** The demo course's deadline for it, in days from the seed (the course's labs each have their own). */
  dueInDays?: number;
  buildImage: string;
  buildCommand: string;
  runImage: string;
  runCommand: string;
  /** The default suite, as staff would write it (for Fly.io's challenges: Fly.io's own Maelstrom runs). */
  suiteSource: string;
  /**
   * The same checks in a few seconds, for our own tests of the references
   * (tests/integration/reference-solutions.test.ts, the run-report browser
   * test): Fly.io's runs take minutes a lab. Absent: the default suite is short.
   */
  shortSuiteSource?: string;
  references: ReferenceSolution[];
}

/** The built-in labs are Go labs: the Go toolchain's images and commands (lib/toolchains.ts). */
export const GO_TOOLCHAIN = (({ buildImage, buildCommand, runImage, runCommand }) => ({ buildImage, buildCommand, runImage, runCommand }))(TOOLCHAINS.go);

const LABS_DIR = path.dirname(fileURLToPath(import.meta.url));

/** A reference solution at lib/labs/<slug>/reference/<name>. */
export function referenceSolution(slug: string, name: string, fields: Omit<ReferenceSolution, "name" | "dir">): ReferenceSolution {
  return { name, dir: path.join(LABS_DIR, slug, "reference", name), ...fields };
}

/** The Markdown every Maelstrom-protocol Go lab ends with: messages between nodes, and how to submit. */
export const GO_LAB_COMMON = [
  "## Talking to other nodes",
  "",
  "Your node reads one JSON envelope per line on stdin, `{\"src\": ..., \"dest\": ..., \"body\": {...}}`,",
  "and writes envelopes on stdout; anything else goes to stderr (your log, shown in the report).",
  "The first message is `{\"type\": \"init\", \"msg_id\": 1, \"node_id\": \"n1\", \"node_ids\": [\"n0\", \"n1\", ...]}`,",
  "answered with `{\"type\": \"init_ok\", \"in_reply_to\": 1}`. Replies carry `in_reply_to`, the request's `msg_id`;",
  "errors are `{\"type\": \"error\", \"in_reply_to\": ..., \"code\": ..., \"text\": ...}` with Maelstrom's codes.",
  "",
  "Send any message you like to another node by its id (`n0`, `n1`, …). Messages between nodes",
  "cross a real network as UDP datagrams (64 KiB at most): a partition drops them, and nothing is",
  "resent for you. Every cluster also has the services `lin-kv` (linearizable), `seq-kv` (sequentially",
  "consistent: your node sees its own writes, but reads of what others wrote may be stale) and `lww-kv`",
  "(last write wins over replicas: reads may be stale or missing), each with `read {key}`,",
  "`write {key, value}`, `cas {key, from, to, create_if_not_exists}`, as in Maelstrom, and `lin-tso`",
  "(`ts`); partitions cut nodes from each other, not from the services.",
  "",
  "## Submitting",
  "",
  "Upload a `.tar.gz` of a Go module whose `main` package is at its root. We build it with",
  `\`${TOOLCHAINS.go.buildCommand}\` (${TOOLCHAINS.go.label}, no network: run \`go mod vendor\` and include \`vendor/\``,
  "if you use a library, such as Maelstrom's `github.com/jepsen-io/maelstrom/demo/go`) and run",
  `\`${TOOLCHAINS.go.runCommand}\` as every node.`,
].join("\n");
