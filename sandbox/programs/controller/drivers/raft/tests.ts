// Every course test the raft driver runs, by its course name: the catalogue
// (lib/labs/mit-6.5840/raft-tests.ts) says what each needs, these say what
// each does. A name in the catalogue without steps here does not compile.
import type { RaftTestName } from "../../../../../lib/labs/mit-6.5840/raft-tests.js";
import { initialElection, manyElections, reElection, type RaftCourseTest } from "./tests-3a.js";

export const COURSE_TESTS: Partial<Record<RaftTestName, RaftCourseTest>> = {
  TestInitialElection3A: initialElection,
  TestReElection3A: reElection,
  TestManyElections3A: manyElections,
};
