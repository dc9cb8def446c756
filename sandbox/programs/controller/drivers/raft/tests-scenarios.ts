// Two tests of ours, beyond the course's: each plays out on purpose an
// interleaving that the course's tests reach only by luck, so a Raft with
// that bug fails every time rather than in some repetitions.
//   TestOneVotePerTerm3A   two candidates of one term, and one voter between
//                          them: a peer that votes twice in a term elects both
//   TestFigure8Scenario3C  Figure 8 of the Raft paper: an old term's entry
//                          copied to a majority must not be committed by
//                          counting, for a later leader may overwrite it
// They use two faults labrpc has not: a cut between two peers only
// (cutLink), and a pause (the peers' cgroups frozen), which holds peers still
// while another restarts, as the course's instantaneous restart does.
import { nodeName } from "./checks.js";
import { RAFT_ELECTION_TIMEOUT_MS } from "./tester.js";
import type { RaftCourseTest } from "./tests-3a.js";
import { randomCommand } from "./tests-3b.js";

/**
 * Three peers. The two followers are cut from each other, and frozen while
 * the leader restarts (so it comes back a follower of the same term); thawed
 * together, they stand for the next term at once, and only the restarted
 * peer can give either a second vote. It must give one. Four rounds.
 */
export const oneVotePerTerm: RaftCourseTest = async (t) => {
  for (let round = 0; round < 4; round++) {
    const v = await t.checkOneLeader();
    const p = (v + 1) % 3;
    const q = (v + 2) % 3;
    await t.cutLink(p, q);
    await t.pauseMany([p, q]);
    await t.crash(v);
    await t.startServer(v);
    await t.resumeMany([p, q]);
    // p and q time out within a tick of each other, in the same term; v hears both.
    await t.sleep(1500);
    // Two leaders of one term, whenever each was seen, fail the test here (election safety).
    await t.checkOneLeader();
    await t.joinLink(p, q);
  }
  await t.checkOneLeader();
  await t.one(randomCommand(t), 3, true);
};

/**
 * Five peers, as in the paper's Figure 8:
 * 1. X reaches the leader s1 and s2 only;
 * 2. the other three elect L, which takes Y at X's index while cut off;
 * 3. s1, s2 and the two others (a, b) elect s1 or s2 (only their logs end in
 *    X's term), which copies X to all four: a majority, but X is of an old
 *    term and must not be committed by counting;
 * 4. L, a and b elect L (its log ends in a later term than theirs), which
 *    overwrites X with Y. A leader that committed X has had X applied at an
 *    index where Y is applied now.
 */
export const figure8Scenario: RaftCourseTest = async (t) => {
  const n = t.n;
  await t.one(randomCommand(t), n, true);

  const s1 = await t.checkOneLeader();
  const s2 = (s1 + 1) % n;
  const rest = [2, 3, 4].map((k) => (s1 + k) % n);
  await t.repartition(rest);
  const x = await t.start(s1, randomCommand(t));
  if (!x.isLeader) t.fail("figure8Scenario", `${nodeName(s1)}, the leader, refused Start() after its followers were cut off`);
  // Time for X to reach s2.
  await t.sleep(300);

  await t.repartition([s1, s2], rest);
  const l = await t.checkOneLeader();
  // Cut L off before Start, so that Y stays in L's log alone.
  await t.disconnect(l);
  const y = await t.start(l, randomCommand(t));
  if (!y.isLeader || y.index !== x.index) {
    t.fail("figure8Scenario", `${nodeName(l)}, just elected, put Y at index ${y.index} (leader: ${y.isLeader}); X is at index ${x.index} and Y should take that index`);
  }
  const [a, b] = rest.filter((i) => i !== l) as [number, number];

  await t.repartition([], [s1, s2]);
  await t.checkOneLeader();
  // Time for the new leader to copy X to a and b (and, were it broken, to commit it).
  await t.sleep(RAFT_ELECTION_TIMEOUT_MS);

  await t.repartition([s1, s2], [l]);
  await t.cutLink(a, b);
  await t.checkOneLeader();
  await t.one(randomCommand(t), 3, true);

  await t.connectAll();
  await t.one(randomCommand(t), n, true);
};
