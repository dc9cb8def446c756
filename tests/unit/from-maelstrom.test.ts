// A pasted `maelstrom test …` command as a suite test (issue 20, item 14):
// every Fly.io Gossip Glomers command (MAELSTROM.md's challenge list) converts
// to a test the suite parser accepts, with Maelstrom's defaults written out;
// flags we cannot honour are named as problems, harmless ones as notes.
import { describe, expect, it } from "vitest";
import { appendTestEntry } from "../../lib/suites/append-test-entry.js";
import { shellWords, suiteTestFromMaelstrom } from "../../lib/suites/from-maelstrom.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { testKeys } from "../../lib/suites/schema.js";

/** Whether suites in this tree have `availability` (another change adds it; until then --availability is named as unsupported). */
const HAS_AVAILABILITY = testKeys("unique-ids").includes("availability");

const ISOLATE = { kind: "partition", at: 10, mode: "isolate", node: "random" };

type Expected = { name: string } & Record<string, unknown>;
const FLY_IO: Array<{ challenge: string; command: string; test?: Expected; problems?: RegExp[] }> = [
  {
    challenge: "1 echo",
    command: "./maelstrom test -w echo --bin ~/go/bin/maelstrom-echo --node-count 1 --time-limit 10",
    test: { name: "echo-1-node", workload: "echo", nodes: 1, concurrency: 1, rate: 5, durationSeconds: 10 },
  },
  {
    challenge: "2 unique ids",
    command: "./maelstrom test -w unique-ids --bin ~/go/bin/maelstrom-unique-ids --time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition",
    test: HAS_AVAILABILITY
      ? { name: "unique-ids-3-nodes-partitioned", workload: "unique-ids", nodes: 3, concurrency: 3, rate: 1000, durationSeconds: 30, availability: "total", faults: [ISOLATE, { kind: "heal", at: 20 }] }
      : undefined,
    problems: HAS_AVAILABILITY ? undefined : [/^--availability: suites here cannot require availability yet$/],
  },
  {
    challenge: "3a single-node broadcast",
    command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 1 --time-limit 20 --rate 10",
    test: { name: "broadcast-1-node", workload: "broadcast", nodes: 1, concurrency: 1, rate: 10, durationSeconds: 20, recoverySeconds: 10 },
  },
  {
    challenge: "3b multi-node broadcast",
    command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 5 --time-limit 20 --rate 10",
    test: { name: "broadcast-5-nodes", workload: "broadcast", nodes: 5, concurrency: 5, rate: 10, durationSeconds: 20, recoverySeconds: 10 },
  },
  {
    challenge: "3c fault-tolerant broadcast",
    command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 5 --time-limit 20 --rate 10 --nemesis partition",
    test: { name: "broadcast-5-nodes-partitioned", workload: "broadcast", nodes: 5, concurrency: 5, rate: 10, durationSeconds: 20, recoverySeconds: 10, faults: [ISOLATE] },
  },
  {
    challenge: "3d / 3e efficient broadcast",
    command: "./maelstrom test -w broadcast --bin ~/go/bin/maelstrom-broadcast --node-count 25 --time-limit 20 --rate 100 --latency 100",
    test: { name: "broadcast-25-nodes", workload: "broadcast", nodes: 25, concurrency: 25, rate: 100, durationSeconds: 20, recoverySeconds: 10, latency: { ms: 100 } },
  },
  {
    challenge: "4 grow-only counter",
    command: "./maelstrom test -w g-counter --bin ~/go/bin/maelstrom-counter --node-count 3 --rate 100 --time-limit 20 --nemesis partition",
    test: { name: "g-counter-3-nodes-partitioned", workload: "g-counter", nodes: 3, concurrency: 3, rate: 100, durationSeconds: 20, recoverySeconds: 10, faults: [ISOLATE] },
  },
  {
    challenge: "5a single-node kafka",
    command: "./maelstrom test -w kafka --bin ~/go/bin/maelstrom-kafka --node-count 1 --concurrency 2n --time-limit 20 --rate 1000",
    test: { name: "kafka-1-node", workload: "kafka", nodes: 1, concurrency: 2, rate: 1000, durationSeconds: 20, recoverySeconds: 10 },
  },
  {
    challenge: "5b / 5c multi-node kafka",
    command: "./maelstrom test -w kafka --bin ~/go/bin/maelstrom-kafka --node-count 2 --concurrency 2n --time-limit 20 --rate 1000",
    test: { name: "kafka-2-nodes", workload: "kafka", nodes: 2, concurrency: 4, rate: 1000, durationSeconds: 20, recoverySeconds: 10 },
  },
  {
    challenge: "6a single-node, totally available transactions",
    command: "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total",
    problems: [/^-w txn-rw-register: Maelstrom's txn-rw-register workload is not supported here yet$/],
  },
  {
    challenge: "6b totally-available, read uncommitted transactions",
    command: "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --nemesis partition",
    problems: [/txn-rw-register workload is not supported here yet/],
  },
  {
    challenge: "6c totally-available, read committed transactions (with Fly.io's en dash)",
    command: "./maelstrom test -w txn-rw-register --bin ~/go/bin/maelstrom-txn --node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total –-nemesis partition",
    problems: [/txn-rw-register workload is not supported here yet/],
  },
];

describe("Fly.io's Gossip Glomers commands as suite tests", () => {
  it.each(FLY_IO)("challenge $challenge", ({ command, test, problems }) => {
    const converted = suiteTestFromMaelstrom(command);
    if (problems || !test) {
      expect(converted.ok).toBe(false);
      if (converted.ok) return;
      for (const words of problems ?? []) expect(converted.problems).toContainEqual(expect.stringMatching(words));
      return;
    }
    expect(converted.ok, JSON.stringify(converted)).toBe(true);
    if (!converted.ok) return;
    expect(converted.test).toEqual(test);
    // --bin is named as left out, with the reason.
    expect(converted.notes).toContainEqual(expect.stringMatching(/^--bin ~\/go\/bin\/maelstrom-\S+ is left out: we run the lab's build/));
    // The whole suite, and the entry appended under a suite's tests:, parse as suites.
    const suite = parseSuite(converted.suiteYaml);
    expect(suite.ok, JSON.stringify(suite)).toBe(true);
    if (suite.ok) expect(suite.spec.tests[0]).toMatchObject(test);
    const appended = parseSuite(`version: 1\ntests:\n  - name: existing\n    workload: echo\n${converted.testYaml}`);
    expect(appended.ok, JSON.stringify(appended)).toBe(true);
    if (appended.ok) expect(appended.spec.tests.map((t) => t.name)).toEqual(["existing", test.name]);
  });

  it("writes the suite as suites are written: the command as a comment, one line per fault step", () => {
    const converted = suiteTestFromMaelstrom("./maelstrom test -w broadcast --bin ./b --node-count 5 --time-limit 30 --rate 10 --latency 50 --latency-dist uniform --nemesis partition");
    expect(converted.ok).toBe(true);
    if (!converted.ok) return;
    expect(converted.suiteYaml).toBe(
      [
        "# From: ./maelstrom test -w broadcast --bin ./b --node-count 5 --time-limit 30 --rate 10 --latency 50 --latency-dist uniform --nemesis partition",
        "",
        "version: 1",
        "tests:",
        "  - name: broadcast-5-nodes-partitioned",
        "    workload: broadcast",
        "    nodes: 5",
        "    concurrency: 5",
        "    rate: 10",
        "    durationSeconds: 30",
        "    recoverySeconds: 10",
        "    latency: { ms: 50, distribution: uniform }",
        "    faults:",
        "      - { kind: partition, at: 10, mode: isolate, node: random }",
        "      - { kind: heal, at: 20 }",
        "",
      ].join("\n"),
    );
  });
});

describe("reading a pasted command", () => {
  it.each<{ what: string; command: string; test: Record<string, unknown>; note?: RegExp }>([
    { what: "an en dash before a long flag", command: "maelstrom test -w echo --bin e --node-count 1 –-time-limit 3", test: { durationSeconds: 3 }, note: /read "–-time-limit" as --time-limit \(a typographic dash/ },
    { what: "an em dash standing for two", command: "maelstrom test -w echo --bin e —node-count 2", test: { nodes: 2 }, note: /read "—node-count" as --node-count/ },
    { what: "an en dash before a short flag", command: "maelstrom test –w echo --bin e", test: { workload: "echo" }, note: /read "–w" as -w/ },
    { what: "--flag=value", command: "maelstrom test -w echo --bin=e --rate=2.5 --node-count=2", test: { rate: 2.5, nodes: 2 } },
    { what: "a rate as Java writes numbers", command: "maelstrom test -w echo --bin e --rate 1e3", test: { rate: 1000 } },
    { what: "a multi-line command with backslashes and quotes", command: 'maelstrom test \\\n  -w "broadcast" \\\n  --bin \'./my node\' \\\n  --topology tree4', test: { workload: "broadcast", topology: "tree4" } },
    { what: "curly quotes", command: "maelstrom test -w echo --bin \u201c./a b\u201d --node-count \u20181\u2019", test: { nodes: 1 } },
    { what: "java -jar and a shell prompt", command: "$ java -jar maelstrom.jar test -w lin-kv --bin x --key-count 3", test: { workload: "lin-kv", keyCount: 3 } },
    { what: "lein run --", command: "lein run -- test -w g-set --bin x --node-count 2", test: { workload: "g-set", nodes: 2, recoverySeconds: 10 } },
    { what: "flags alone", command: "-w pn-counter --bin x --time-limit 5", test: { workload: "pn-counter", durationSeconds: 5 } },
    { what: "no -w: Maelstrom's default workload", command: "maelstrom test --bin x", test: { workload: "lin-kv", nodes: 5, concurrency: 5, rate: 5, durationSeconds: 60 }, note: /no -w: Maelstrom runs its default workload, lin-kv/ },
    { what: "a topology a workload ignores", command: "maelstrom test -w echo --bin x --topology line", test: { workload: "echo" }, note: /--topology line is left out: only broadcast tests are told a topology/ },
    { what: "log switches", command: "maelstrom test -w echo --bin x --log-stderr --log-net-send", test: { workload: "echo" }, note: /--log-stderr is left out: every node's stderr is kept/ },
    { what: "SSH options", command: "maelstrom test -w echo --bin x --username admin --ssh-private-key k", test: { workload: "echo" }, note: /--username admin is left out: Maelstrom runs every node locally/ },
    { what: "kafka's writes per key", command: "maelstrom test -w kafka --bin x --max-writes-per-key 4 --key-count 3", test: { workload: "kafka", maxWritesPerKey: 4, keyCount: 3 } },
    { what: "writes per key a workload ignores", command: "maelstrom test -w g-set --bin x --max-writes-per-key 4", test: { workload: "g-set" }, note: /--max-writes-per-key 4 is left out: only Maelstrom's transaction and kafka workloads read it, not g-set/ },
    { what: "--test-count", command: "maelstrom test -w echo --bin x --test-count 3", test: { repetitions: 3 } },
    { what: "a nemesis interval", command: "maelstrom test -w g-set --bin x --time-limit 20 --nemesis partition --nemesis-interval 4", test: { faults: [{ kind: "partition", at: 4, mode: "isolate", node: "random" }, { kind: "heal", at: 8 }, { kind: "partition", at: 12, mode: "majority-minority" }, { kind: "heal", at: 16 }] } },
    { what: "a name of its own", command: "maelstrom test -w echo --bin x", test: { name: "echo-5-nodes" } },
  ])("$what", ({ command, test, note }) => {
    const converted = suiteTestFromMaelstrom(command);
    expect(converted.ok, JSON.stringify(converted)).toBe(true);
    if (!converted.ok) return;
    expect(converted.test).toMatchObject(test);
    expect(parseSuite(converted.suiteYaml).ok).toBe(true);
    if (note) expect(converted.notes).toContainEqual(expect.stringMatching(note));
  });

  it.each<{ what: string; command: string; problems: RegExp[] }>([
    { what: "a flag Maelstrom does not have", command: "maelstrom test -w echo --bin x --nodes-count 3 --speed 2", problems: [/^--nodes-count is not a flag of `maelstrom test`$/, /^--speed is not a flag of `maelstrom test`$/] },
    { what: "a nemesis Maelstrom does not have", command: "maelstrom test -w echo --bin x --nemesis partition,kill", problems: [/^--nemesis kill: Maelstrom's only nemesis is partition$/] },
    { what: "a node list instead of a count", command: "maelstrom test -w echo --bin x --nodes n1,n2", problems: [/^--nodes: name the nodes by their number with --node-count N/] },
    { what: "arguments for the binary", command: "maelstrom test -w echo --bin x --node-count 1 -- --verbose extra", problems: [/^"--verbose" "extra": Maelstrom passes words after the flags to the node's binary/] },
    { what: "a value that is not a number", command: "maelstrom test -w echo --bin x --node-count three --rate fast", problems: [/^--node-count expects a whole number \(it is "three"\)$/, /^--rate expects a number \(it is "fast"\)$/] },
    { what: "more nodes than a test may have", command: "maelstrom test -w echo --bin x --node-count 30", problems: [/^--node-count: nodes must be at most 25 \(it is 30\)$/] },
    { what: "a topology we do not know", command: "maelstrom test -w broadcast --bin x --topology star", problems: [/^--topology: /] },
    { what: "a flag without its value", command: "maelstrom test -w echo --bin x --rate", problems: [/^--rate needs a value$/] },
    { what: "a workload Maelstrom does not have", command: "maelstrom test -w raft --bin x", problems: [/^-w raft is not a Maelstrom workload we run \(we run echo, lin-kv/] },
    { what: "no writes per key", command: "maelstrom test -w kafka --bin x --max-writes-per-key 0", problems: [/^--max-writes-per-key: /] },
    { what: "a rate of 0", command: "maelstrom test -w echo --bin x --rate 0", problems: [/^--rate 0: Maelstrom then sends no requests/] },
    { what: "maelstrom serve", command: "./maelstrom serve", problems: [/^only `maelstrom test` runs a test \(this is `maelstrom serve`\)/] },
    { what: "another program", command: "go test ./...", problems: [/^this is not a Maelstrom command \(it starts with "go"\)/] },
    { what: "nothing", command: "   ", problems: [/^the command is empty/] },
    { what: "--help", command: "maelstrom test --help", problems: [/^--help: it asks Maelstrom for its usage/] },
  ])("names $what", ({ command, problems }) => {
    const converted = suiteTestFromMaelstrom(command);
    expect(converted.ok).toBe(false);
    if (converted.ok) return;
    for (const words of problems) expect(converted.problems).toContainEqual(expect.stringMatching(words));
  });

  it("takes a name of the caller's", () => {
    const converted = suiteTestFromMaelstrom("maelstrom test -w echo --bin x", { name: "warm-up" });
    expect(converted.ok && converted.test.name).toBe("warm-up");
    const refused = suiteTestFromMaelstrom("maelstrom test -w echo --bin x", { name: "Warm Up" });
    expect(refused.ok).toBe(false);
  });

  it("splits words as a shell does", () => {
    expect(shellWords(`a "b c" 'd e' f\\ g \\\n h`)).toEqual(["a", "b c", "d e", "f g", "h"]);
  });
});

describe("adding a converted test to the editor's suite", () => {
  const converted = suiteTestFromMaelstrom("./maelstrom test -w g-set --bin x --node-count 3 --time-limit 20 --nemesis partition");
  const entry = converted.ok ? converted.testYaml : "";

  it.each([
    ["a suite ending with its tests", "# the lab's suite\nversion: 1\ntests:\n  - name: basic\n    workload: echo\n"],
    ["one without a final newline", "tests:\n  - name: basic\n    workload: echo"],
    ["one with trailing blank lines and a comment", "tests: # all of them\n  - name: basic\n    workload: echo\n\n\n"],
  ])("appends to %s, leaving the rest as written", (_what, source) => {
    const next = appendTestEntry(source, entry);
    expect(next).not.toBeNull();
    expect(next!.startsWith(source.replace(/\s*$/, ""))).toBe(true);
    const parsed = parseSuite(next!);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (parsed.ok) expect(parsed.spec.tests.map((t) => t.name)).toEqual(["basic", "g-set-3-nodes-partitioned"]);
  });

  it.each([
    ["a JSON suite", '{"tests": [{"name": "basic", "workload": "echo"}]}'],
    ["a key after the tests", "tests:\n  - name: basic\n    workload: echo\nversion: 1\n"],
  ])("leaves %s to staff", (_what, source) => {
    expect(appendTestEntry(source, entry)).toBeNull();
  });

  it("makes a suite of the one test in an empty editor", () => {
    const parsed = parseSuite(appendTestEntry("  \n", entry)!);
    expect(parsed.ok && parsed.spec.tests.map((t) => t.name)).toEqual(["g-set-3-nodes-partitioned"]);
  });
});
