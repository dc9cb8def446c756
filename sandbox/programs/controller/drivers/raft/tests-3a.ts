// Lab 3A, leader election: the course's TestInitialElection3A,
// TestReElection3A and TestManyElections3A, step by step as the course runs
// them, over real partitions (disconnect = a firewall cut of that peer from
// all others, both ways). Cuts the course makes back to back are ordered
// together (RaftTester.repartition).
import { RAFT_ELECTION_TIMEOUT_MS, type RaftTester } from "./tester.js";

export type RaftCourseTest = (t: RaftTester) => Promise<void>;

/** A leader is elected, all agree on its term, and nothing changes for two election timeouts without failures. */
export const initialElection: RaftCourseTest = async (t) => {
  await t.checkOneLeader();
  // Let followers learn of the election before comparing terms.
  await t.sleep(50);
  const term1 = await t.checkTerms();
  if (term1 < 1) t.fail("checkTerms", `the term is ${term1}, but should be at least 1 after an election`);
  await t.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
  const term2 = await t.checkTerms();
  // The course only warns here.
  if (term1 !== term2) t.step(`warning: the term changed from ${term1} to ${term2} although there were no failures`);
  await t.checkOneLeader();
};

/** A new leader after the leader is cut off; the old one rejoining changes nothing; no leader without a quorum; one again with it. */
export const reElection: RaftCourseTest = async (t) => {
  const servers = t.n;
  const leader1 = await t.checkOneLeader();
  await t.disconnect(leader1);
  await t.checkOneLeader();
  await t.connect(leader1);
  const leader2 = await t.checkOneLeader();
  await t.repartition([leader2, (leader2 + 1) % servers]);
  await t.sleep(2 * RAFT_ELECTION_TIMEOUT_MS);
  await t.checkNoLeader();
  await t.connect((leader2 + 1) % servers);
  await t.checkOneLeader();
  await t.connect(leader2);
  await t.checkOneLeader();
};

/** Seven peers; ten rounds of cutting three random peers off: always a leader among the rest. */
export const manyElections: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.checkOneLeader();
  for (let round = 1; round < 10; round++) {
    const i1 = t.rng.int(servers);
    const i2 = t.rng.int(servers);
    const i3 = t.rng.int(servers);
    await t.repartition([i1, i2, i3]);
    await t.checkOneLeader();
    await t.repartition([], [i1, i2, i3]);
  }
  await t.checkOneLeader();
};
