// Runners on several Docker hosts: a second engine on this machine, set up by
// `./infra/up --engine-host`'s own functions (tests/support/second-engine.ts:
// its own network namespace, TLS on 2376 only, the host guard, the images),
// driven by runners as an operator would drive one. It grades exactly as this
// machine's engine does, partitions included; it refuses plain TCP and
// strangers' certificates; its guard keeps lab containers off its API while
// sparing the runners; and what an attempt left on one engine is removed by
// the runner that takes the job over on another, or recorded for a runner of
// that engine, which removes it before its next grading.
import { spawn, type ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../lib/courses/access.js";
import { packReferenceSolution } from "../../lib/labs/pack-reference.js";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { createSubmission } from "../../lib/submissions/create-submission.js";
import { parseSuite } from "../../lib/suites/parse-suite.js";
import { labelsFor, MANAGED_LABEL } from "../../sandbox/labels.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";
import { removeAbandonedEngines, startSecondEngine, type SecondEngine } from "../support/second-engine.js";
import { startTlsEngineFront, type TlsEngineFront } from "../support/tls-engine-front.js";
import { until } from "../support/until.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const localDocker = new Docker();
let engine: SecondEngine;
const stacks: GradingStack[] = [];
const children: ChildProcess[] = [];
const fronts: TlsEngineFront[] = [];

beforeAll(async () => {
  const started = Date.now();
  // Only what these tests run: the controller, services and sidecars (base) and the labs' image (python).
  engine = await startSecondEngine({ images: ["base", "python"] });
  console.log(`second engine ${engine.id} at ${engine.endpoint}: up with its images in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 240_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
  for (const front of fronts) await front.close();
  for (const stack of stacks) await stack.close();
  await engine?.close();
}, 120_000);

/** A published lab of the demo course running `tests/fixtures/<fixture>/node.py` under the python image, with this suite. */
async function pythonLab(stack: GradingStack, slug: string, fixture: string, suiteSource: string) {
  const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  const lab = await stack.db.lab.create({
    data: {
      courseId: course.id,
      slug,
      title: slug,
      workload: parseSuiteOrThrow(suiteSource).tests[0]!.workload,
      buildImage: "labgrade/python:latest",
      runImage: "labgrade/python:latest",
      buildCommand: "true",
      runCommand: "python3 /work/src/node.py",
      published: true,
    },
  });
  const parsed = parseSuite(suiteSource);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  await stack.db.suiteVersion.create({ data: { labId: lab.id, version: 1, source: suiteSource, spec: parsed.spec as object, sourceHash: parsed.sourceHash, publishedAt: new Date() } });
  const archive = await packReferenceSolution(path.join(ROOT, "tests/fixtures", fixture));
  return {
    submit: async (actor: Actor) => {
      const submission = await createSubmission({ db: stack.db, queue: stack.queue }, actor, { courseSlug: DEMO_COURSE_SLUG, labSlug: slug, upload: archive });
      const job = await stack.db.gradingJob.findFirstOrThrow({ where: { submissionId: submission.id } });
      return { submissionId: submission.id, jobId: job.id };
    },
  };
}

function parseSuiteOrThrow(source: string) {
  const parsed = parseSuite(source);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.spec;
}

/** An echo lab whose one test runs this long (time to kill its runner mid-test). */
const echoSuite = (seconds: number) => `tests:\n  - name: echo\n    workload: echo\n    nodes: 2\n    concurrency: 1\n    rate: 5\n    durationSeconds: ${seconds}\n`;

/**
 * Broadcast over three nodes by a node that passes each message on once and never again: it
 * passes when nothing goes wrong and fails when a partition cuts the network while messages are
 * sent, so a FAIL with "missing" on the partitioned test proves the partition was real.
 */
const BROADCAST_SUITE = `tests:
  - name: calm
    workload: broadcast
    nodes: 3
    topology: total
    concurrency: 2
    rate: 10
    durationSeconds: 3
    recoverySeconds: 1
    seed: "4242"
  - name: partitioned
    workload: broadcast
    nodes: 3
    topology: total
    concurrency: 2
    rate: 10
    durationSeconds: 5
    recoverySeconds: 1
    seed: "1717"
    faults:
      - { kind: partition, at: 1, mode: halves }
      - { kind: heal, at: 3 }
`;

/** A runner process started as an operator starts one (runner/main.ts, configured by the environment), on the second engine over TLS. */
function runnerProcess(stack: GradingStack, id: string, env: Record<string, string> = {}) {
  const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["runner/main.ts"], {
    cwd: ROOT,
    detached: true, // its own process group, so a kill takes tsx's node child too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: stack.database.url,
      REDIS_URL: stack.redisUrl,
      LABGRADE_QUEUE_PREFIX: stack.prefix,
      LABGRADE_RUNNER_ID: id,
      DOCKER_HOST: engine.endpoint,
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: engine.certPath,
      LABGRADE_LAB_SUBNET_POOL: engine.pool,
      ...env,
    },
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  process.kill(-child.pid!, signal);
  await exited;
}

/** Everything labelled with this job (or another label) in an engine. */
async function managed(docker: Docker, label: string) {
  const filters = JSON.stringify({ label: [`${MANAGED_LABEL}=1`, label] });
  return {
    containers: (await docker.listContainers({ all: true, filters })).length,
    networks: (await docker.listNetworks({ filters })).length,
    volumes: ((await docker.listVolumes({ filters })).Volumes ?? []).length,
  };
}
const NOTHING = { containers: 0, networks: 0, volumes: 0 };

/** The engine's events between two instants (seconds) for resources with this label. */
async function eventsWith(docker: Docker, label: string, sinceSeconds: number, untilSeconds: number): Promise<{ Type: string; Action: string }[]> {
  const stream = await docker.getEvents({ since: sinceSeconds, until: untilSeconds, filters: { label: [label] } });
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { Type: string; Action: string });
}

interface Graded {
  status: string;
  score: number | null;
  maxScore: number | null;
  engineId: string | null;
  engineEndpoint: string | null;
  results: { testName: string; verdict: string; reason: string; faults: { kind: string; nodes: string[]; ok: boolean; droppedPackets?: Record<string, number> }[] }[];
}

async function gradedAs(stack: GradingStack, submissionId: string): Promise<Graded> {
  const submission = await stack.db.submission.findUniqueOrThrow({ where: { id: submissionId } });
  const attempts = await stack.db.gradingAttempt.findMany({ where: { job: { submissionId } }, include: { results: { orderBy: { testName: "asc" } } }, orderBy: { number: "asc" } });
  // The runner grades a job again after an infrastructure error (an engine that refused a container on a
  // busy machine, say); such an attempt is said, not hidden, and the verdict is the last attempt's.
  expect(attempts.length, `submission ${submissionId} has no grading attempt`).toBeGreaterThan(0);
  const earlier = attempts.slice(0, -1);
  for (const a of earlier) console.warn(`submission ${submissionId}: attempt ${a.number} on ${a.engineEndpoint} ended ${a.outcome} (${a.errorCode}: ${a.errorMessage}); graded again`);
  expect(earlier.map((a) => a.outcome)).toEqual(earlier.map(() => "INFRA_ERROR"));
  const last = attempts.at(-1)!;
  return {
    status: submission.status,
    score: submission.score,
    maxScore: submission.maxScore,
    engineId: last.engineId,
    engineEndpoint: last.engineEndpoint,
    results: last.results.map((r) => ({
      testName: r.testName,
      verdict: r.verdict,
      reason: r.reason,
      faults: ((r.metrics as { faults?: Graded["results"][number]["faults"] }).faults ?? []).map((f) => ({ kind: f.kind, nodes: f.nodes, ok: f.ok, droppedPackets: f.droppedPackets })),
    })),
  };
}

describe("./infra/up --engine-host", () => {
  it("says what to give the runners, and run again finds everything done and changes nothing", async () => {
    for (const line of [`DOCKER_HOST=${engine.endpoint}`, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH=", `LABGRADE_LAB_SUBNET_POOL=${engine.pool}`, `runners at ${engine.runnerAddress} may reach port 2376`]) {
      expect(engine.firstUp).toContain(line);
    }
    expect(engine.firstUp).toMatch(/made a CA/);
    const pid = await engine.dockerdPid();
    const again = await engine.upAgain();
    for (const line of ["TLS certificates up to date", `Docker engine already running, TLS on ${engine.address}:2376`, "images present, as in", "labgrade/base:latest labgrade/python:latest", "host guarded"]) {
      expect(again).toContain(line);
    }
    expect(again).not.toMatch(/made |starting dockerd|restarting|loading /);
    expect(await engine.dockerdPid()).toBe(pid);
    expect(((await engine.local.info()) as { ID: string }).ID).toBe(engine.id);
  });
});

describe("a second engine whose test process died", () => {
  it("is stopped and removed, namespace, veth and files, by the next start", async () => {
    const child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["-e", `import("./tests/support/second-engine.ts").then(async (m) => { const e = await m.startSecondEngine({ images: ["base"] }); console.log("ready " + e.netns + " " + (await e.dockerdPid())); setInterval(() => undefined, 1000); })`], {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    const [netns, pid] = await new Promise<[string, number]>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /ready (\S+) (\d+)/.exec(out);
        if (m) resolve([m[1]!, Number(m[2])]);
      });
      child.once("exit", (code) => reject(new Error(`the engine's test process exited (${code}) before its engine was up: ${out}`)));
    });
    await stopProcess(child, "SIGKILL");
    const { execFile } = await import("node:child_process");
    const { promisify } = await import("node:util");
    const netnsList = async () => (await promisify(execFile)("ip", ["netns", "list"])).stdout;
    const alive = () => readFile(`/proc/${pid}/cmdline`, "utf8").then((c) => c.startsWith("dockerd"), () => false);
    // What it left: its dockerd still running, its namespace, its files.
    expect(await alive()).toBe(true);
    expect(await netnsList()).toContain(netns);

    await removeAbandonedEngines();
    expect(await alive()).toBe(false);
    expect(await netnsList()).not.toContain(netns);
    expect(await readFile(`/tmp/${netns}/var/run/dockerd.pid`, "utf8").catch(() => "gone")).toBe("gone");
    expect((await readFile("/proc/self/mounts", "utf8")).includes(`/tmp/${netns}`)).toBe(false);
    // The engine of this file, started by a live process, is untouched.
    expect(((await engine.local.info()) as { ID: string }).ID).toBe(engine.id);
  }, 120_000);
});

describe("a runner driving a second engine over TLS", () => {
  it("grades as this machine's engine does, partitions included, and leaves nothing on either", async () => {
    const stack = await createGradingStack("engines-verdict");
    stacks.push(stack);
    const lab = await pythonLab(stack, "py-broadcast", "py-broadcast-no-retry", BROADCAST_SUITE);

    // On the second engine, by a runner process configured like an operator's (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).
    const sinceSeconds = Math.floor(Date.now() / 1000) - 1;
    const remote = runnerProcess(stack, "runner-engine-2");
    const onEngine2 = await lab.submit(await stack.actor("alice@demo.labgrade.test"));
    const remoteStatus = await stack.waitForFinalStatus(onEngine2.submissionId, 180_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nrunner output:\n${remote.output()}`);
    });
    expect(remoteStatus).toBe("GRADED");
    await stopProcess(remote.child, "SIGTERM");
    const untilSeconds = Math.ceil(Date.now() / 1000) + 1;

    // The same archive on this machine's engine, by an in-process runner on its socket.
    await stack.startRunner("runner-local");
    const onLocal = await lab.submit(await stack.actor("bob@demo.labgrade.test"));
    expect(await stack.waitForFinalStatus(onLocal.submissionId, 180_000)).toBe("GRADED");

    const remoteResult = await gradedAs(stack, onEngine2.submissionId);
    const localResult = await gradedAs(stack, onLocal.submissionId);
    // Each attempt says where it ran; the second engine is another engine.
    expect(remoteResult).toMatchObject({ engineId: engine.id, engineEndpoint: engine.endpoint });
    expect(localResult).toMatchObject({ engineId: (await localDocker.info()).ID, engineEndpoint: "unix:///var/run/docker.sock" });
    expect(engine.id).not.toBe(localResult.engineId);

    // The same verdicts, for the same reasons, with the same partition really cutting packets.
    for (const result of [remoteResult, localResult]) {
      expect(result).toMatchObject({ status: "GRADED", score: 1, maxScore: 2 });
      expect(result.results.map((r) => [r.testName, r.verdict])).toEqual([
        ["calm", "PASS"],
        ["partitioned", "FAIL"],
      ]);
      expect(result.results[1]!.reason).toMatch(/acknowledged messages were missing from/);
      const partitioned = result.results[1]!.faults;
      expect(partitioned.map((f) => [f.kind, f.ok])).toEqual([
        ["partition", true],
        ["heal", true],
        ["heal-all", true],
      ]);
      expect(Object.values(partitioned[1]!.droppedPackets ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    }
    expect(remoteResult.results.map((r) => r.faults.map((f) => [f.kind, f.nodes]))).toEqual(localResult.results.map((r) => r.faults.map((f) => [f.kind, f.nodes])));

    // Its clusters ran on the second engine and never touched this machine's.
    const remoteLabel = `labgrade.job=${onEngine2.jobId}`;
    const onItsEngine = await eventsWith(engine.local, remoteLabel, sinceSeconds, untilSeconds);
    // (the engine's events carry labels for containers: the build's, and each cluster's sidecars, nodes, services and controller)
    expect(onItsEngine.filter((e) => e.Type === "container" && e.Action === "create").length).toBeGreaterThanOrEqual(10);
    expect(await eventsWith(localDocker, remoteLabel, sinceSeconds, untilSeconds)).toEqual([]);
    // Nothing of either grading is left on either engine.
    for (const job of [onEngine2.jobId, onLocal.jobId]) {
      expect(await managed(engine.local, `labgrade.job=${job}`)).toEqual(NOTHING);
      expect(await managed(localDocker, `labgrade.job=${job}`)).toEqual(NOTHING);
    }
  }, 420_000);
});

describe("the second engine's TLS", () => {
  it("refuses plain TCP, a client without a certificate and one another CA signed; a runner refuses an engine its CA did not sign", async () => {
    const ours = await engine.overTls();
    expect((await ours.info()).ID).toBe(engine.id);
    const file = (f: string) => readFile(path.join(engine.certPath, f));
    const [ca, cert, key] = await Promise.all([file("ca.pem"), file("cert.pem"), file("key.pem")]);
    // A stranger's CA and client certificate, made the same way.
    const strangerDir = path.join(engine.tlsDir, "..", "stranger-tls");
    await engine.engineShell("engine_tls", { settings: { ENGINE_TLS_DIR: strangerDir } });
    const stranger = async (f: string) => readFile(path.join(strangerDir, "client", f));
    const [strangerCa, strangerCert, strangerKey] = await Promise.all([stranger("ca.pem"), stranger("cert.pem"), stranger("key.pem")]);

    const attempts: [string, Docker, RegExp][] = [
      ["plain HTTP on the TLS port", new Docker({ host: engine.address, port: 2376, protocol: "http" }), /Client sent an HTTP request to an HTTPS server/],
      ["TLS without a client certificate", new Docker({ host: engine.address, port: 2376, protocol: "https", ca }), /alert bad certificate/],
      ["a client certificate another CA signed", new Docker({ host: engine.address, port: 2376, protocol: "https", ca, cert: strangerCert, key: strangerKey }), /alert bad certificate/],
      ["an engine certificate our CA did not sign", new Docker({ host: engine.address, port: 2376, protocol: "https", ca: strangerCa, cert, key }), /unable to verify the first certificate/],
      // Nothing listens there, and the guard spares runners port 2376 alone.
      ["Docker's plain port", new Docker({ host: engine.address, port: 2375, protocol: "http", connectionTimeout: 3000 } as Docker.DockerOptions), /socket hang up/], // no answer within 3 s
    ];
    for (const [what, client, error] of attempts) {
      const outcome = await client.info().then(
        () => "answered",
        (err: Error) => err.message,
      );
      expect(outcome, what).not.toBe("answered");
      expect(outcome, what).toMatch(error);
    }
    // The stranger's certificate is good TLS in itself: the second engine refuses it for its signer.
    expect(strangerCa.equals(ca)).toBe(false);
  });
});

describe("the second engine's host guard", () => {
  /** From a container on an internal lab network of the second engine: does a TCP connection to host:port open within 3 s? */
  async function labContainerConnects(targets: { host: string; port: number }[]): Promise<string[]> {
    const docker = engine.local;
    const labels = labelsFor({ runnerId: "guard-test", jobId: "guard-test", test: "guard", owner: "tests" });
    const network = await docker.createNetwork({ Name: `lg-guard-${process.pid}`, Internal: true, Labels: labels, IPAM: { Config: [{ Subnet: "198.19.70.0/24", Gateway: "198.19.70.1" }] } });
    try {
      const script = targets.map((t) => `if timeout 3 bash -c 'echo > /dev/tcp/${t.host}/${t.port}' 2>/dev/null; then echo open; else echo "closed $?"; fi`).join("; ");
      const container = await docker.createContainer({ Image: "labgrade/base:latest", Cmd: ["bash", "-c", script], Labels: labels, HostConfig: { NetworkMode: `lg-guard-${process.pid}` } });
      try {
        await container.start();
        await container.wait();
        const logs = (await container.logs({ stdout: true, stderr: true })).toString("utf8");
        return [...logs.matchAll(/(open|closed \d+)/g)].map((m) => m[1]!);
      } finally {
        await container.remove({ force: true });
      }
    } finally {
      await network.remove();
    }
  }

  it("keeps lab containers off the engine's API and its host, and spares only the runners' address", async () => {
    // 124: timeout's exit code: the connection was dropped, not refused.
    expect(await labContainerConnects([
      { host: engine.address, port: 2376 },
      { host: "198.19.70.1", port: 2376 },
    ])).toEqual(["closed 124", "closed 124"]);

    // Without the exception, the guard drops the runner's new API connections (its address is in
    // 198.18.0.0/15; connections already open stay up). Each client here opens a connection of its own.
    const fresh = () => engine.overTls({ answerMs: 3000, agent: new https.Agent({ keepAlive: false }) });
    expect((await (await fresh()).info()).ID).toBe(engine.id);
    await engine.engineShell("engine_guard", { inNamespace: true, settings: { ENGINE_RUNNER_ADDRESSES: "" } });
    try {
      expect(await (await fresh()).info().then(() => "answered", (err: Error) => err.message)).toMatch(/timeout|ETIMEDOUT|socket hang up/i);
    } finally {
      await engine.engineShell("engine_guard", { inNamespace: true });
    }
    expect((await (await fresh()).info()).ID).toBe(engine.id);
  });
});

describe("leftovers of an attempt on another engine", () => {
  it("are removed by the runner that takes the job over, over TLS, when the engines share a CA", async () => {
    const stack = await createGradingStack("engines-takeover");
    stacks.push(stack);
    const lab = await pythonLab(stack, "py-echo-long", "kv-echo", echoSuite(25));
    const doomed = runnerProcess(stack, "doomed-on-engine-2");
    const { submissionId, jobId } = await lab.submit(await stack.actor("alice@demo.labgrade.test"));
    const label = `labgrade.job=${jobId}`;
    await until("the doomed runner's test to run on the second engine", async () => {
      const s = await stack.db.submission.findUniqueOrThrow({ where: { id: submissionId } });
      return s.status === "RUNNING" && (await managed(engine.local, label)).networks > 0;
    }, 120_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nrunner output:\n${doomed.output()}`);
    });
    await stopProcess(doomed.child, "SIGKILL");
    const left = await managed(engine.local, label);
    expect(left.containers).toBeGreaterThan(0);

    // The rescuer drives this machine's engine over TLS with the same client certificate.
    const frontKey = path.join(engine.tlsDir, "..", "front-key.pem");
    const frontCert = path.join(engine.tlsDir, "..", "front-cert.pem");
    await engine.engineShell(`engine_sign "${frontKey}" "${frontCert}" /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"`);
    const front = await startTlsEngineFront({ socketPath: "/var/run/docker.sock", caFile: path.join(engine.tlsDir, "ca.pem"), serverCert: frontCert, serverKey: frontKey });
    fronts.push(front);
    const [ca, cert, key] = await Promise.all(["ca.pem", "cert.pem", "key.pem"].map((f) => readFile(path.join(engine.certPath, f))));
    const rescuerDocker = new Docker({ host: "127.0.0.1", port: front.port, protocol: "https", ca, cert, key });
    await stack.startRunner("rescuer-local", { docker: rescuerDocker });
    expect(await stack.waitForFinalStatus(submissionId, 240_000)).toBe("GRADED");

    const attempts = await stack.db.gradingAttempt.findMany({ where: { jobId }, orderBy: { number: "asc" } });
    const localId = (await localDocker.info()).ID;
    expect(attempts.map((a) => [a.runnerId, a.outcome, a.errorCode, a.engineId, a.engineEndpoint])).toEqual([
      ["doomed-on-engine-2", "INFRA_ERROR", "runner.lost", engine.id, engine.endpoint],
      ["rescuer-local", "GRADED", null, localId, front.endpoint],
    ]);
    // Gone from the second engine, by the rescuer's hand (no runner of that engine ran since), and nothing recorded as waiting.
    expect(await managed(engine.local, label)).toEqual(NOTHING);
    expect(await managed(localDocker, label)).toEqual(NOTHING);
    expect(await stack.db.engineLeftovers.count()).toBe(0);
  }, 420_000);

  it("are recorded when that engine is out of reach, and removed by a runner of that engine before its next grading", async () => {
    const stack = await createGradingStack("engines-record");
    stacks.push(stack);
    const lab = await pythonLab(stack, "py-echo", "kv-echo", echoSuite(1));
    const { submissionId, jobId } = await lab.submit(await stack.actor("alice@demo.labgrade.test"));
    // What a runner of the second engine that died mid-test leaves: an open attempt recorded
    // there, and its containers, networks and volumes; beside them, resources of a later attempt
    // of the same job (which no reaping of the first attempt may touch).
    const dead = await stack.db.gradingAttempt.create({ data: { jobId, number: 1, runnerId: "gone-with-engine-2", engineId: engine.id, engineEndpoint: engine.endpoint } });
    const leave = async (attemptId: string, name: string) => {
      const labels = labelsFor({ runnerId: "gone-with-engine-2", jobId, attemptId, test: "echo", owner: "tests" });
      await engine.local.createNetwork({ Name: name, Internal: true, Labels: labels, IPAM: { Config: [{ Subnet: name === "lg-left-1" ? "198.19.71.0/24" : "198.19.72.0/24" }] } });
      await engine.local.createVolume({ Name: name, Labels: labels });
      const c = await engine.local.createContainer({ Image: "labgrade/base:latest", Cmd: ["sleep", "300"], Labels: labels, HostConfig: { NetworkMode: name } });
      await c.start();
    };
    await leave(dead.id, "lg-left-1");
    await leave("a-later-attempt", "lg-left-2");
    const ofDead = `labgrade.attempt=${dead.id}`;
    const ofLater = "labgrade.attempt=a-later-attempt";
    try {
      // A runner on this machine's socket takes the job over: it cannot reach the second engine.
      const rescuer = await stack.startRunner("rescuer-on-socket");
      expect(await stack.waitForFinalStatus(submissionId, 180_000)).toBe("GRADED");
      await rescuer.close();
      const recorded = await stack.db.engineLeftovers.findMany();
      expect(recorded).toEqual([expect.objectContaining({ attemptId: dead.id })]);
      expect(recorded[0]!.reason).toContain(`engine ${engine.id} at ${engine.endpoint}: this runner has no TLS client certificate`);
      expect(await managed(engine.local, ofDead)).toEqual({ containers: 1, networks: 1, volumes: 1 });

      // A runner of the second engine clears the record before its next grading, and only that attempt's.
      const engineRunner = await stack.startRunner("runner-engine-2", { docker: await engine.overTls(), limits: { subnetPool: engine.pool } });
      const next = await lab.submit(await stack.actor("bob@demo.labgrade.test"));
      expect(await stack.waitForFinalStatus(next.submissionId, 180_000)).toBe("GRADED");
      await engineRunner.close();
      expect(await managed(engine.local, ofDead)).toEqual(NOTHING);
      expect(await stack.db.engineLeftovers.count()).toBe(0);
      expect(await managed(engine.local, ofLater)).toEqual({ containers: 1, networks: 1, volumes: 1 });
      expect((await stack.db.gradingAttempt.findFirstOrThrow({ where: { jobId: next.jobId } })).engineId).toBe(engine.id);
    } finally {
      for (const c of await engine.local.listContainers({ all: true, filters: JSON.stringify({ label: [`labgrade.job=${jobId}`] }) })) await engine.local.getContainer(c.Id).remove({ force: true });
      for (const n of await engine.local.listNetworks({ filters: JSON.stringify({ label: [`labgrade.job=${jobId}`] }) })) await engine.local.getNetwork(n.Id).remove();
      for (const v of (await engine.local.listVolumes({ filters: JSON.stringify({ label: [`labgrade.job=${jobId}`] }) })).Volumes ?? []) await engine.local.getVolume(v.Name).remove();
    }
    expect(await managed(localDocker, `labgrade.job=${jobId}`)).toEqual(NOTHING);
  }, 420_000);
});
