// The unique-ids lab: ids that never collide, with no coordination at all.
import { GO_LAB_COMMON, GO_TOOLCHAIN, referenceSolution, type BuiltinLab } from "../builtin-lab.js";

export const uniqueIdsLab: BuiltinLab = {
  slug: "unique-ids",
  title: "Unique ID generation",
  workload: "unique-ids",
  ...GO_TOOLCHAIN,
  description: [
    "# Unique ID generation",
    "",
    "Hand out ids that are unique across the whole cluster, and keep doing so while the",
    "network is partitioned: a node cut off from the others must still answer.",
    "",
    "## Requests",
    "",
    "- `{\"type\": \"generate\"}` → `{\"type\": \"generate_ok\", \"id\": ...}`. The id may be any JSON value",
    "  (a string or a number); no two `generate_ok` in a test may carry equal ids.",
    "",
    "## How it is tested",
    "",
    "Three nodes; three clients ask random nodes for ids, 60 a second for 6 s. From 1 s to 4 s one",
    "node is cut off from the others. Every acknowledged id must be distinct.",
    "",
    GO_LAB_COMMON,
  ].join("\n"),
  suiteSource: [
    "# Unique ids lab, default suite.",
    "version: 1",
    "tests:",
    "  - name: ids-under-partition",
    "    workload: unique-ids",
    "    nodes: 3",
    "    concurrency: 3",
    "    rate: 60",
    "    durationSeconds: 6",
    "    faults:",
    "      - { kind: partition, at: 1, mode: isolate }",
    "      - { kind: heal, at: 4 }",
    "    points: 1",
    "",
  ].join("\n"),
  references: [
    referenceSolution("unique-ids", "correct", {
      expectPass: true,
      why: "an id is the node's id, its start time and a counter: unique without any message",
    }),
    referenceSolution("unique-ids", "counter-only", {
      expectPass: false,
      why: "every node counts from 1 on its own, so nodes hand out the same ids",
      failureReason: /handed out more than once/,
    }),
  ],
};
