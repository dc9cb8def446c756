// Lab 3D, snapshots: the course's SnapshotBasic, SnapshotInstall (cut off,
// then over a lossy network), SnapshotInstallCrash, SnapshotInstallUnCrash,
// SnapshotAllCrash and SnapshotInit. The tester's applier snapshots every
// 10 applied entries (tester.ts) and the persisted Raft state must stay under
// the course's MAXLOGSIZE.
import { MAX_LOG_BYTES, SNAPSHOT_INTERVAL } from "./checks.js";
import type { RaftTester } from "./tester.js";
import type { RaftCourseTest } from "./tests-3a.js";
import { randomCommand } from "./tests-3b.js";

/** The course's snapcommon: 30 rounds of cutting off or crashing a follower (or the leader), enough commands for a snapshot, and catching it up. */
function snapshotRounds(how: { disconnect: boolean; crash: boolean }): RaftCourseTest {
  return async (t: RaftTester) => {
    const servers = t.n;
    await t.one(randomCommand(t), servers, true);
    let leader1 = await t.checkOneLeader();
    for (let round = 0; round < 30; round++) {
      let victim = (leader1 + 1) % servers;
      let sender = leader1;
      if (round % 3 === 1) {
        sender = (leader1 + 1) % servers;
        victim = leader1;
      }
      if (how.disconnect) {
        await t.disconnect(victim);
        await t.one(randomCommand(t), servers - 1, true);
      }
      if (how.crash) {
        await t.crash(victim);
        await t.one(randomCommand(t), servers - 1, true);
      }
      // Perhaps enough for a snapshot.
      const nn = SNAPSHOT_INTERVAL / 2 + t.rng.int(SNAPSHOT_INTERVAL);
      for (let i = 0; i < nn; i++) await t.start(sender, randomCommand(t));
      // Without faults every follower catches up, so SnapshotBasic needs no InstallSnapshot.
      await t.one(randomCommand(t), how.disconnect || how.crash ? servers - 1 : servers, true);
      const size = await t.logSize();
      if (size >= MAX_LOG_BYTES) t.fail("logSize", `the persisted Raft state grew to ${size} bytes (the course allows under ${MAX_LOG_BYTES} with snapshots every ${SNAPSHOT_INTERVAL} entries: is the log trimmed at Snapshot()?)`);
      if (how.disconnect) {
        // The follower may be behind and need a snapshot to catch up.
        await t.connect(victim);
        await t.one(randomCommand(t), servers, true);
        leader1 = await t.checkOneLeader();
      }
      if (how.crash) {
        await t.restart(victim);
        await t.one(randomCommand(t), servers, true);
        leader1 = await t.checkOneLeader();
      }
    }
  };
}

export const snapshotBasic = snapshotRounds({ disconnect: false, crash: false });
export const snapshotInstall = snapshotRounds({ disconnect: true, crash: false });
export const snapshotInstallUnreliable = snapshotInstall;
export const snapshotInstallCrash = snapshotRounds({ disconnect: false, crash: true });
export const snapshotInstallUnCrash = snapshotInstallCrash;

/** Every peer crashes and restarts from its snapshot and the log's tail; the log's index never goes back. */
export const snapshotAllCrash: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(randomCommand(t), servers, true);
  for (let round = 0; round < 5; round++) {
    const nn = SNAPSHOT_INTERVAL / 2 + t.rng.int(SNAPSHOT_INTERVAL);
    for (let i = 0; i < nn; i++) await t.one(randomCommand(t), servers, true);
    const index1 = await t.one(randomCommand(t), servers, true);
    await t.shutdownAll();
    await t.startServers();
    const index2 = await t.one(randomCommand(t), servers, true);
    if (index2 < index1 + 1) t.fail("snapshotAllCrash", `the log's index went back from ${index1} to ${index2} after every peer restarted (is the snapshot's index restored?)`);
  }
};

/** Peers restarted from a snapshot keep it in memory, so later saves do not lose it. */
export const snapshotInit: RaftCourseTest = async (t) => {
  const servers = t.n;
  await t.one(randomCommand(t), servers, true);
  for (let i = 0; i < SNAPSHOT_INTERVAL + 1; i++) await t.one(randomCommand(t), servers, true);
  await t.shutdownAll();
  await t.startServers();
  // One command, so something is written back to persistent storage.
  await t.one(randomCommand(t), servers, true);
  await t.shutdownAll();
  await t.startServers();
  await t.one(randomCommand(t), servers, true);
};
