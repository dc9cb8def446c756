// Every test the raft driver runs, by its course name (and two of ours): the catalogue
// (lib/labs/mit-6.5840/raft-tests.ts) says what each needs, these say what
// each does. A name in the catalogue without steps here does not compile.
import type { RaftTestName } from "../../../../../lib/labs/mit-6.5840/raft-tests.js";
import { initialElection, manyElections, reElection, type RaftCourseTest } from "./tests-3a.js";
import { snapshotAllCrash, snapshotBasic, snapshotInit, snapshotInstall, snapshotInstallCrash, snapshotInstallUnCrash, snapshotInstallUnreliable } from "./tests-3d.js";
import { figure8, figure8Unreliable, persist1, persist2, persist3, reliableChurn, unreliableAgree, unreliableChurn } from "./tests-3c.js";
import { figure8Scenario, oneVotePerTerm } from "./tests-scenarios.js";
import { backup, basicAgree, concurrentStarts, count, failAgree, failNoAgree, followerFailure, leaderFailure, rejoin, rpcBytes } from "./tests-3b.js";

export const COURSE_TESTS: Record<RaftTestName, RaftCourseTest> = {
  TestInitialElection3A: initialElection,
  TestReElection3A: reElection,
  TestManyElections3A: manyElections,
  TestOneVotePerTerm3A: oneVotePerTerm,
  TestBasicAgree3B: basicAgree,
  TestRPCBytes3B: rpcBytes,
  TestFollowerFailure3B: followerFailure,
  TestLeaderFailure3B: leaderFailure,
  TestFailAgree3B: failAgree,
  TestFailNoAgree3B: failNoAgree,
  TestConcurrentStarts3B: concurrentStarts,
  TestRejoin3B: rejoin,
  TestBackup3B: backup,
  TestCount3B: count,
  TestPersist13C: persist1,
  TestPersist23C: persist2,
  TestPersist33C: persist3,
  TestFigure83C: figure8,
  TestUnreliableAgree3C: unreliableAgree,
  TestFigure8Unreliable3C: figure8Unreliable,
  TestFigure8Scenario3C: figure8Scenario,
  TestReliableChurn3C: reliableChurn,
  TestUnreliableChurn3C: unreliableChurn,
  TestSnapshotBasic3D: snapshotBasic,
  TestSnapshotInstall3D: snapshotInstall,
  TestSnapshotInstallUnreliable3D: snapshotInstallUnreliable,
  TestSnapshotInstallCrash3D: snapshotInstallCrash,
  TestSnapshotInstallUnCrash3D: snapshotInstallUnCrash,
  TestSnapshotAllCrash3D: snapshotAllCrash,
  TestSnapshotInit3D: snapshotInit,
};
