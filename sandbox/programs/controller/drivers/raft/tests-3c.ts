// Lab 3C, persistence: the course's Persist1-3, Figure8, UnreliableAgree,
// Figure8Unreliable and the two Churn tests, step by step as the course runs
// them. A crash is SIGKILL of the peer's container (what it saved on /data
// stays) and a restart starts it again from /data (the 2025 tester's
// restart: StartServer, then ConnectAll). Shutdowns and restarts the course
// makes back to back are ordered together.
import { RaftCheckFailure } from "./checks.js";
import { RAFT_ELECTION_TIMEOUT_MS, type RaftTester } from "./tester.js";
import type { RaftCourseTest } from "./tests-3a.js";
import { randomCommand } from "./tests-3b.js";

export const persist1: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(11, servers, true);
  await t.shutdownAll();
  await t.startServers();
  await t.one(12, servers, true);
  const leader1 = await t.checkOneLeader();
  await t.crash(leader1);
  await t.restart(leader1);
  await t.one(13, servers, true);
  const leader2 = await t.checkOneLeader();
  await t.crash(leader2);
  await t.one(14, servers - 1, true);
  await t.restart(leader2);
  // Wait for leader2 to catch up before crashing the next one.
  await t.wait(4, servers, -1);
  const i3 = ((await t.checkOneLeader()) + 1) % servers;
  await t.crash(i3);
  await t.one(15, servers - 1, true);
  await t.restart(i3);
  await t.one(16, servers, true);
};

export const persist2: RaftCourseTest = async (t) => {
  const servers = t.n;
  let index = 1;
  for (let iter = 0; iter < 5; iter++) {
    await t.one(10 + index++, servers, true);
    const leader1 = await t.checkOneLeader();
    const at = (k: number) => (leader1 + k) % servers;
    await t.crashMany([at(1), at(2)]);
    await t.one(10 + index++, servers - 2, true);
    await t.crashMany([at(0), at(3), at(4)]);
    await t.restartMany([at(1), at(2)]);
    await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
    await t.restart(at(3));
    await t.one(10 + index++, servers - 2, true);
    await t.restartMany([at(4), at(0)]);
  }
  await t.one(1000, servers, true);
};

export const persist3: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(101, 3, true);
  const leader = await t.checkOneLeader();
  await t.disconnect((leader + 2) % servers);
  await t.one(102, 2, true);
  await t.crashMany([(leader + 0) % servers, (leader + 1) % servers]);
  await t.connect((leader + 2) % servers);
  await t.restart((leader + 0) % servers);
  await t.one(103, 2, true);
  await t.restart((leader + 1) % servers);
  await t.one(104, servers, true);
};

/** The course's pause after each round of Figure 8: mostly 0–12 ms, one time in ten up to half an election timeout. */
async function figure8Pause(t: RaftTester): Promise<void> {
  if (t.rng.int(1000) < 100) await t.sleep(t.rng.int(RAFT_ELECTION_TIMEOUT_MS / 2));
  else await t.sleep(t.rng.int(13));
}

/** Figure 8 of the Raft paper: leaders crash soon after Start (often before committing), new ones must not commit old terms' entries by counting. */
export const figure8: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(randomCommand(t), 1, true);
  let nup = servers;
  for (let iter = 0; iter < 1000; iter++) {
    let leader = -1;
    for (let i = 0; i < servers; i++) {
      if (!t.isAlive(i)) continue;
      const r = await t.start(i, randomCommand(t));
      if (r.isLeader) leader = i;
    }
    await figure8Pause(t);
    if (leader !== -1) {
      await t.crash(leader);
      nup--;
    }
    if (nup < 3) {
      const s = t.rng.int(servers);
      if (!t.isAlive(s)) {
        await t.restart(s);
        nup++;
      }
    }
  }
  await t.restartMany(Array.from({ length: servers }, (_, i) => i).filter((i) => !t.isAlive(i)));
  await t.one(randomCommand(t), servers, true);
};

/** Agreement over a lossy network with many concurrent one()s. */
export const unreliableAgree: RaftCourseTest = async (t) => {
  const servers = t.n;
  const background: Array<Promise<number>> = [];
  for (let iter = 1; iter < 50; iter++) {
    for (let j = 0; j < 4; j++) {
      const agreed = t.one(100 * iter + j, 1, true);
      // Its failure already stopped the test (t.one aborts): keep the rejection from going unhandled until Promise.all.
      agreed.catch(() => undefined);
      background.push(agreed);
    }
    await t.one(iter, 1, true);
  }
  await t.setUnreliable(false);
  await Promise.all(background);
  await t.one(100, servers, true);
};

/** Figure 8 over a lossy network, leaders cut off instead of crashed, long reordering from round 200. */
export const figure8Unreliable: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(t.rng.int(10_000), 1, true);
  let nup = servers;
  for (let iter = 0; iter < 1000; iter++) {
    if (iter === 200) await t.setLongReordering(true);
    let leader = -1;
    for (let i = 0; i < servers; i++) {
      const r = await t.start(i, t.rng.int(10_000));
      if (r.isLeader && t.isConnected(i)) leader = i;
    }
    await figure8Pause(t);
    if (leader !== -1 && t.rng.int(1000) < RAFT_ELECTION_TIMEOUT_MS / 2) {
      await t.disconnect(leader);
      nup--;
    }
    if (nup < 3) {
      const s = t.rng.int(servers);
      if (!t.isConnected(s)) {
        await t.connect(s);
        nup++;
      }
    }
  }
  await t.connectAll();
  await t.one(t.rng.int(10_000), servers, true);
};

/** Churn: three clients Start commands while peers are cut off, crashed and restarted; every command a client saw applied must stay in the log. */
async function churn(t: RaftTester, unreliable: boolean): Promise<void> {
  const servers = t.n;
  let stop = false;
  const client = async (me: number): Promise<number[]> => {
    const rng = t.rng.fork();
    const values: number[] = [];
    while (!stop && !t.finished) {
      const x = rng.int(0x8000_0000);
      let index = -1;
      let ok = false;
      for (let i = 0; i < servers; i++) {
        const r = await t.tryStart(i, x);
        if (r?.isLeader) {
          ok = true;
          index = r.index;
        }
      }
      if (ok) {
        // Maybe the leader commits x, maybe not; never wait long.
        for (const to of [10, 20, 50, 100, 200]) {
          const { count, command } = t.nCommitted(index);
          if (count > 0) {
            if (typeof command !== "number") t.fail("churn", `the command applied at index ${index} is ${JSON.stringify(command)}, not an int`);
            if (command === x) values.push(x);
            break;
          }
          await t.sleep(to);
        }
      } else {
        await t.sleep(79 + me * 17);
      }
    }
    return values;
  };
  const clients = [0, 1, 2].map((me) => client(me));
  // A failing client stops the test at once, as the course's Fatalf would.
  for (const c of clients) c.catch((err: unknown) => t.abort(err instanceof Error ? err : new RaftCheckFailure("churn", String(err))));

  for (let iter = 0; iter < 20; iter++) {
    if (t.rng.int(1000) < 200) await t.disconnect(t.rng.int(servers));
    if (t.rng.int(1000) < 500) {
      const i = t.rng.int(servers);
      if (!t.isAlive(i)) await t.restart(i);
      await t.connect(i);
    }
    if (t.rng.int(1000) < 200) {
      const i = t.rng.int(servers);
      if (t.isAlive(i)) await t.crash(i);
    }
    // Often enough that peers rarely settle, seldom enough that they can keep up.
    await t.sleep((RAFT_ELECTION_TIMEOUT_MS * 7) / 10);
  }
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  if (unreliable) await t.setUnreliable(false);
  await t.restartMany(Array.from({ length: servers }, (_, i) => i).filter((i) => !t.isAlive(i)));
  await t.connectAll();
  stop = true;
  const values = (await Promise.all(clients)).flat();
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  const lastIndex = await t.one(randomCommand(t), servers, true);
  const really = new Set<unknown>();
  for (let index = 1; index <= lastIndex; index++) {
    const v = await t.wait(index, servers, -1);
    if (typeof v !== "number") t.fail("churn", `the command applied at index ${index} is ${JSON.stringify(v)}, not an int`);
    really.add(v);
  }
  for (const v of values) {
    if (!really.has(v)) t.fail("churn", `the command ${v}, which a client saw applied, is no longer in the log (lost after a crash or a new leader)`);
  }
}

export const reliableChurn: RaftCourseTest = (t) => churn(t, false);
export const unreliableChurn: RaftCourseTest = (t) => churn(t, true);
