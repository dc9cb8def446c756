// Lab 3B, the log: the course's agreement tests (BasicAgree, RPCBytes,
// FollowerFailure, LeaderFailure, FailAgree, FailNoAgree, ConcurrentStarts,
// Rejoin, Backup, Count), step by step as the course runs them, with its
// bounds on RPC bytes and counts taken from the peer hosts' own counters.
import { agreementRpcBound, MAX_ELECTION_RPCS, MAX_IDLE_RPCS, nodeName, rpcBytesBound } from "./checks.js";
import { MOVED_ON, RAFT_ELECTION_TIMEOUT_MS, type RaftTester } from "./tester.js";
import type { RaftCourseTest } from "./tests-3a.js";

/** The course's rand.Int() for commands, kept to 31 bits so every command is a Go int and a safe JSON number. */
export const randomCommand = (t: RaftTester): number => t.rng.int(0x8000_0000);

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** The course's randstring(n): n random base64url characters. */
export function randomString(t: RaftTester, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += BASE64URL[t.rng.int(64)];
  return s;
}

async function startOn(t: RaftTester, peer: number, command: unknown) {
  return t.start(peer, command);
}

export const basicAgree: RaftCourseTest = async (t) => {
  for (let index = 1; index <= 3; index++) {
    if (t.nCommitted(index).count > 0) t.fail("basicAgree", `some peers applied index ${index} before Start()`);
    const xindex = await t.one(index * 100, t.n, false);
    if (xindex !== index) t.fail("basicAgree", `got index ${xindex} but expected ${index}`);
  }
};

/** Each command is sent to each peer once: the bytes between peers stay under servers × command bytes + 50,000. */
export const rpcBytes: RaftCourseTest = async (t) => {
  await t.one(99, t.n, false);
  const bytes0 = await t.bytesTotal();
  let sent = 0;
  for (let index = 2; index < 12; index++) {
    const cmd = randomString(t, 5000);
    const xindex = await t.one(cmd, t.n, false);
    if (xindex !== index) t.fail("rpcBytes", `got index ${xindex} but expected ${index}`);
    sent += cmd.length;
  }
  const got = (await t.bytesTotal()) - bytes0;
  const bound = rpcBytesBound(t.n, sent);
  if (got > bound) t.fail("rpcBytes", `too many RPC bytes: agreeing on ${sent} bytes of commands cost ${got} bytes, more than ${bound} (each command should go to each peer once)`);
};

export const followerFailure: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(101, servers, false);
  const leader1 = await t.checkOneLeader();
  await t.disconnect((leader1 + 1) % servers);
  await t.one(102, servers - 1, false);
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  await t.one(103, servers - 1, false);
  const leader2 = await t.checkOneLeader();
  await t.repartition([(leader2 + 1) % servers, (leader2 + 2) % servers]);
  const { index, isLeader } = await startOn(t, leader2, 104);
  if (!isLeader) t.fail("followerFailure", `the leader ${nodeName(leader2)} rejected Start()`);
  if (index !== 4) t.fail("followerFailure", `expected index 4, got ${index}`);
  await t.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
  t.checkNoAgreement(index);
};

export const leaderFailure: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(101, servers, false);
  const leader1 = await t.checkOneLeader();
  await t.disconnect(leader1);
  await t.one(102, servers - 1, false);
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  await t.one(103, servers - 1, false);
  const leader2 = await t.checkOneLeader();
  await t.disconnect(leader2);
  for (let i = 0; i < servers; i++) await startOn(t, i, 104);
  await t.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
  t.checkNoAgreement(4);
};

export const failAgree: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(101, servers, false);
  const leader = await t.checkOneLeader();
  await t.disconnect((leader + 1) % servers);
  await t.one(102, servers - 1, false);
  await t.one(103, servers - 1, false);
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  await t.one(104, servers - 1, false);
  await t.one(105, servers - 1, false);
  await t.connect((leader + 1) % servers);
  await t.one(106, servers, true);
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  await t.one(107, servers, true);
};

export const failNoAgree: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(10, servers, false);
  const leader = await t.checkOneLeader();
  await t.repartition([1, 2, 3].map((k) => (leader + k) % servers));
  const { index, isLeader } = await startOn(t, leader, 20);
  if (!isLeader) t.fail("failNoAgree", `the leader ${nodeName(leader)} rejected Start()`);
  if (index !== 2) t.fail("failNoAgree", `expected index 2, got ${index}`);
  await t.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
  const { count } = t.nCommitted(index);
  if (count > 0) t.fail("failNoAgree", `${count} peers applied index ${index} but no majority was connected`);
  await t.repartition([], [1, 2, 3].map((k) => (leader + k) % servers));
  // The disconnected majority may have chosen a leader of its own, forgetting index 2.
  const leader2 = await t.checkOneLeader();
  const second = await startOn(t, leader2, 30);
  if (!second.isLeader) t.fail("failNoAgree", `the new leader ${nodeName(leader2)} rejected Start()`);
  if (second.index < 2 || second.index > 3) t.fail("failNoAgree", `unexpected index ${second.index} (expected 2 or 3)`);
  await t.one(1000, servers, true);
};

export const concurrentStarts: RaftCourseTest = async (t) => {
  const servers = t.n;
  let success = false;
  attempts: for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await t.sleep(3000);
    const leader = await t.checkOneLeader();
    const first = await startOn(t, leader, 1);
    if (!first.isLeader) continue;
    const term = first.term;
    const started = await Promise.all(Array.from({ length: 5 }, (_, i) => startOn(t, leader, 100 + i)));
    const indexes = started.filter((s) => s.term === term && s.isLeader).map((s) => s.index);
    for (let j = 0; j < servers; j++) {
      if ((await t.getState(j)).term !== term) continue attempts;
    }
    const cmds: unknown[] = [];
    for (const index of indexes) {
      const cmd = await t.wait(index, servers, term);
      if (cmd === MOVED_ON) continue attempts;
      if (typeof cmd !== "number") t.fail("concurrentStarts", `value ${JSON.stringify(cmd)} at index ${index} is not an int`);
      cmds.push(cmd);
    }
    for (let i = 0; i < 5; i++) {
      if (!cmds.includes(100 + i)) t.fail("concurrentStarts", `command ${100 + i} is missing from the applied ${JSON.stringify(cmds)}`);
    }
    success = true;
    break;
  }
  if (!success) t.fail("concurrentStarts", "the term changed too often: no attempt of five saw the concurrent Start()s agree in one term");
};

export const rejoin: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(101, servers, true);
  const leader1 = await t.checkOneLeader();
  await t.disconnect(leader1);
  // The old leader tries to agree on entries it cannot commit.
  for (const cmd of [102, 103, 104]) await startOn(t, leader1, cmd);
  // The new leader commits, also at index 2.
  await t.one(103, 2, true);
  const leader2 = await t.checkOneLeader();
  await t.repartition([leader2], [leader1]);
  await t.one(104, 2, true);
  await t.connect(leader2);
  await t.one(105, servers, true);
};

/** The leader backs up quickly over long divergent follower logs. */
export const backup: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(randomCommand(t), servers, true);
  const leader1 = await t.checkOneLeader();
  await t.repartition([2, 3, 4].map((k) => (leader1 + k) % servers));
  for (let i = 0; i < 50; i++) await startOn(t, leader1, randomCommand(t));
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS / 2);
  await t.repartition(
    [0, 1].map((k) => (leader1 + k) % servers),
    [2, 3, 4].map((k) => (leader1 + k) % servers),
  );
  for (let i = 0; i < 50; i++) await t.one(randomCommand(t), 3, true);
  const leader2 = await t.checkOneLeader();
  let other = (leader1 + 2) % servers;
  if (leader2 === other) other = (leader2 + 1) % servers;
  await t.disconnect(other);
  for (let i = 0; i < 50; i++) await startOn(t, leader2, randomCommand(t));
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS / 2);
  await t.repartition(
    Array.from({ length: servers }, (_, i) => i),
    [(leader1 + 0) % servers, (leader1 + 1) % servers, other],
  );
  for (let i = 0; i < 50; i++) await t.one(randomCommand(t), 3, true);
  await t.connectAll();
  await t.one(randomCommand(t), servers, true);
};

/** RPC counts are not too high: to elect, to agree on 10 entries, and in an idle second. */
export const count: RaftCourseTest = async (t) => {
  const servers = t.n;
  let leader = await t.checkOneLeader();
  let total1 = await t.rpcTotal();
  if (total1 > MAX_ELECTION_RPCS || total1 < 1) t.fail("count", `too many or too few RPCs (${total1}) to elect the first leader (the course allows 1 to ${MAX_ELECTION_RPCS})`);
  let total2 = 0;
  let success = false;
  const iters = 10;
  attempts: for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await t.sleep(3000);
    leader = await t.checkOneLeader();
    total1 = await t.rpcTotal();
    const first = await startOn(t, leader, 1);
    if (!first.isLeader) continue;
    const { index: starti, term } = first;
    const cmds: number[] = [];
    for (let i = 1; i < iters + 2; i++) {
      const x = randomCommand(t);
      cmds.push(x);
      const s = await startOn(t, leader, x);
      if (s.term !== term || !s.isLeader) continue attempts;
      if (s.index !== starti + i) t.fail("count", `the leader ${nodeName(leader)} put a command at index ${s.index}, but it should be at index ${starti + i}`);
    }
    for (let i = 1; i < iters + 1; i++) {
      const cmd = await t.wait(starti + i, servers, term);
      if (cmd === MOVED_ON) continue attempts;
      if (cmd !== cmds[i - 1]) t.fail("count", `wrong value ${JSON.stringify(cmd)} applied at index ${starti + i}; expected ${cmds[i - 1]}`);
    }
    let moved = false;
    for (let j = 0; j < servers; j++) if ((await t.getState(j)).term !== term) moved = true;
    total2 = await t.rpcTotal();
    if (moved) continue;
    const used = total2 - total1;
    if (used > agreementRpcBound(iters)) t.fail("count", `too many RPCs (${used}) to agree on ${iters} entries; the course allows ${agreementRpcBound(iters)}`);
    success = true;
    break;
  }
  if (!success) t.fail("count", "the term changed too often: no attempt of five agreed on the entries in one term");
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);
  const total3 = await t.rpcTotal();
  if (total3 - total2 > MAX_IDLE_RPCS) t.fail("count", `too many RPCs (${total3 - total2}) in one second of idleness; the course allows ${MAX_IDLE_RPCS}`);
};
