// Pseudonyms: what other students see of a student on leaderboards (real
// names are for staff). Two words from our field, unique within the course.
import { randomInt } from "node:crypto";
import type { Tx } from "../db.js";

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
