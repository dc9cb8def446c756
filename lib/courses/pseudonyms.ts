// Pseudonyms: what other students see of a student on leaderboards (real
// names are for staff). Given two words from our field when a student joins,
// unique within the course; students may pick their own.
import { randomInt } from "node:crypto";
import { isUniqueViolation, type Db, type Tx } from "../db.js";
import { ForbiddenError, StudentError } from "../errors.js";
import { getCourseForMemberOrThrow, refuseIfArchived, type Actor } from "./access.js";

const ADJECTIVES = ["quiet", "lazy", "brave", "eager", "gentle", "swift", "steady", "lucky", "clever", "patient", "bold", "calm", "keen", "merry", "nimble", "proud"];
const NOUNS = ["raft", "gossip", "paxos", "quorum", "lease", "clock", "vector", "ledger", "replica", "shard", "leader", "follower", "epoch", "beacon", "packet", "gossiper"];

export const PSEUDONYM_PATTERN = /^[a-z][a-z0-9-]{2,39}$/;

/** A pseudonym not yet taken in the course (two words, then with a number should they all be). */
export async function freePseudonym(tx: Tx, courseId: string): Promise<string> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
    const name = attempt < 20 ? base : `${base}-${randomInt(10, 10_000)}`;
    const taken = await tx.membership.findFirst({ where: { courseId, pseudonym: name }, select: { id: true } });
    if (!taken) return name;
  }
  return `student-${randomInt(1_000_000, 10_000_000)}`;
}

/** A student picks the name others see on leaderboards; unique within the course. */
export async function setMyPseudonym(db: Db, actor: Actor, courseSlug: string, wanted: string): Promise<string> {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  if (role !== "STUDENT") throw new ForbiddenError("only students have a pseudonym");
  refuseIfArchived(course);
  const pseudonym = wanted.trim().toLowerCase();
  if (!PSEUDONYM_PATTERN.test(pseudonym)) throw new StudentError("pseudonym.invalid", "a pseudonym is 3 to 40 lowercase letters, digits and dashes, starting with a letter");
  const { count } = await db.membership
    .updateMany({ where: { courseId: course.id, userId: actor.userId }, data: { pseudonym } })
    .catch((err: unknown) => {
      if (isUniqueViolation(err)) throw new StudentError("pseudonym.taken", `"${pseudonym}" is taken in this course; choose another`);
      throw err;
    });
  if (count !== 1) throw new ForbiddenError("only students have a pseudonym");
  return pseudonym;
}
