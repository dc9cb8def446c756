// The roster: who is in a course and in which role. Staff import students
// from a CSV file (the column `email`, optional `name`, `role`, `pseudonym`;
// the university's export usually has more columns, which are ignored), and
// owners and instructors change roles. An import is all or nothing: any bad
// row refuses the whole file with every problem by line, and nothing changes.
// People new to the platform get an account without a password; they sign in
// through single sign-on, or through a link from the staff (password-links.ts).
// An email whose account could sign in but never proved the address gets no
// role from a file: its row waits (pending-memberships.ts) until it is proven.
import { CsvError, parse } from "csv-parse/sync";
import { z } from "zod";
import { normaliseEmail } from "../auth/email.js";
import { RANK } from "../auth/password-links.js";
import type { Db } from "../db.js";
import { ForbiddenError, NotFoundError, StudentError } from "../errors.js";
import type { CourseRole } from "../generated/prisma/enums.js";
import { getCourseForEditorOrThrow, getCourseForMemberOrThrow, isStaff, type Actor } from "./access.js";
import { receivesRolesByEmail } from "./pending-memberships.js";
import { freePseudonym, PSEUDONYM_PATTERN } from "./pseudonyms.js";

export const MAX_ROSTER_BYTES = 2 * 1024 * 1024;
export const MAX_ROSTER_ROWS = 5000;
const IMPORTABLE_ROLES: Record<string, CourseRole> = { student: "STUDENT", ta: "TA", instructor: "INSTRUCTOR" };

export interface RosterProblem {
  /** 1-based line of the file. */
  line: number;
  message: string;
}

/** The file was refused; nothing was imported. */
export class RosterInvalidError extends StudentError {
  constructor(readonly problems: RosterProblem[]) {
    super("roster.invalid", `the roster has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was imported`);
  }
}

export interface RosterRow {
  line: number;
  email: string;
  name: string | null;
  role: CourseRole;
  pseudonym: string | null;
}

const email = z.email();

/** Reads a roster CSV into rows, or throws RosterInvalidError with every problem by line. */
export function parseRoster(text: string): RosterRow[] {
  if (Buffer.byteLength(text) > MAX_ROSTER_BYTES) throw new StudentError("roster.too_big", "the roster file is larger than 2 MB");
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      info: true,
      relax_column_count: true,
    });
  } catch (err) {
    if (err instanceof CsvError) throw new RosterInvalidError([{ line: Number((err as { lines?: number }).lines ?? 1), message: `not readable as CSV: ${err.message}` }]);
    throw err;
  }
  if (records.length === 0) throw new RosterInvalidError([{ line: 1, message: "the file has no rows under its header (the first line names the columns: email,name,role)" }]);
  if (!("email" in records[0]!.record)) throw new RosterInvalidError([{ line: 1, message: 'the first line must name the columns, one of them "email" (e.g. email,name,role)' }]);
  if (records.length > MAX_ROSTER_ROWS) throw new RosterInvalidError([{ line: 1, message: `at most ${MAX_ROSTER_ROWS} rows per import (this file has ${records.length})` }]);
  const problems: RosterProblem[] = [];
  const seen = new Map<string, number>();
  const rows: RosterRow[] = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const address = normaliseEmail(record.email ?? "");
    if (!email.safeParse(address).success) {
      problems.push({ line, message: address ? `"${address}" is not an email address` : "the email is empty" });
      continue;
    }
    const earlier = seen.get(address);
    if (earlier !== undefined) problems.push({ line, message: `${address} is also on line ${earlier}` });
    seen.set(address, line);
    const roleText = (record.role ?? "").toLowerCase() || "student";
    const role = IMPORTABLE_ROLES[roleText];
    if (!role) problems.push({ line, message: `the role "${record.role}" is not one of student, ta, instructor (owners are made on the roster page)` });
    const pseudonym = record.pseudonym?.toLowerCase() || null;
    if (pseudonym !== null && !PSEUDONYM_PATTERN.test(pseudonym)) problems.push({ line, message: `the pseudonym "${pseudonym}" must be 3 to 40 lowercase letters, digits and dashes` });
    const sameName = pseudonym === null ? undefined : rows.find((r) => r.pseudonym === pseudonym);
    if (sameName) problems.push({ line, message: `the pseudonym "${pseudonym}" is also on line ${sameName.line}` });
    const name = record.name || null;
    if (name !== null && name.length > 200) problems.push({ line, message: "the name is longer than 200 characters" });
    if (role) rows.push({ line, email: address, name, role, pseudonym });
  }
  if (problems.length > 0) throw new RosterInvalidError(problems);
  return rows;
}

export interface RosterImportResult {
  added: number;
  /** Members whose role the file changed. */
  changed: number;
  unchanged: number;
  /** Accounts created (people new to the platform). */
  newAccounts: number;
  /** Rows for accounts that have not proven their email: they wait, and take their role once it is proven. */
  waiting: number;
}

export async function importRoster(db: Db, actor: Actor, input: { courseSlug: string; csv: string }): Promise<RosterImportResult> {
  const { course } = await getCourseForEditorOrThrow(db, actor, input.courseSlug, "import rosters");
  const rows = parseRoster(input.csv);
  return db.$transaction(
    async (tx) => {
      const found = await tx.user.findMany({
        where: { email: { in: rows.map((r) => r.email) } },
        select: { id: true, email: true, emailVerified: true, passwordHash: true, _count: { select: { accounts: true } } },
      });
      const users = found.map((u) => ({ id: u.id, email: u.email, byEmail: receivesRolesByEmail({ ...u, accountCount: u._count.accounts }) }));
      const members = await tx.membership.findMany({ where: { courseId: course.id, userId: { in: users.map((u) => u.id) } } });
      const taken = await tx.membership.findMany({ where: { courseId: course.id, pseudonym: { in: rows.flatMap((r) => (r.pseudonym ? [r.pseudonym] : [])) } }, select: { userId: true, pseudonym: true } });
      const problems: RosterProblem[] = [];
      const result: RosterImportResult = { added: 0, changed: 0, unchanged: 0, newAccounts: 0, waiting: 0 };
      for (const row of rows) {
        let user: { id: string; email: string; byEmail: boolean } | undefined = users.find((u) => u.email === row.email);
        const member = user && members.find((m) => m.userId === user!.id);
        const clash = row.pseudonym && taken.find((t) => t.pseudonym === row.pseudonym && t.userId !== user?.id);
        if (clash) problems.push({ line: row.line, message: `the pseudonym "${row.pseudonym}" is taken in this course` });
        if (member?.role === "OWNER") {
          if (row.role !== "OWNER") problems.push({ line: row.line, message: `${row.email} is an owner of this course; change an owner's role on the roster page` });
          continue;
        }
        if (problems.length > 0) continue;
        if (member && member.role === row.role && (!row.pseudonym || member.pseudonym === row.pseudonym)) {
          result.unchanged++;
          continue;
        }
        if (user && !user.byEmail) {
          const wait = { role: row.role, pseudonym: row.pseudonym };
          await tx.pendingMembership.upsert({ where: { courseId_email: { courseId: course.id, email: row.email } }, create: { courseId: course.id, email: row.email, ...wait }, update: wait });
          result.waiting++;
          continue;
        }
        if (member) {
          await tx.membership.update({ where: { id: member.id }, data: { role: row.role, ...(row.pseudonym ? { pseudonym: row.pseudonym } : {}) } });
          result.changed++;
          continue;
        }
        if (!user) {
          user = { ...(await tx.user.create({ data: { email: row.email, name: row.name }, select: { id: true, email: true } })), byEmail: true };
          result.newAccounts++;
        }
        const pseudonym = row.pseudonym ?? (row.role === "STUDENT" ? await freePseudonym(tx, course.id) : null);
        await tx.membership.create({ data: { courseId: course.id, userId: user.id, role: row.role, pseudonym } });
        result.added++;
      }
      // Refused: roll the whole import back (nothing is half-imported).
      if (problems.length > 0) throw new RosterInvalidError(problems);
      await tx.auditLog.create({ data: { courseId: course.id, actorId: actor.userId, action: "roster.import", targetType: "course", targetId: course.id, details: { rows: rows.length, ...result } } });
      return result;
    },
    { timeout: 60_000 },
  );
}

/** The course's members, for its staff: staff first by rank, then by email. */
export async function listRoster(db: Db, actor: Actor, courseSlug: string) {
  const { course, role } = await getCourseForMemberOrThrow(db, actor, courseSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only course staff may see the roster");
  const members = await db.membership.findMany({
    where: { courseId: course.id },
    select: { role: true, pseudonym: true, createdAt: true, user: { select: { id: true, email: true, name: true, passwordHash: true, accounts: { select: { provider: true } } } } },
  });
  const waiting = await db.pendingMembership.findMany({ where: { courseId: course.id }, orderBy: { email: "asc" }, select: { email: true, role: true, createdAt: true } });
  const rows = members
    .map((m) => ({
      userId: m.user.id,
      email: m.user.email,
      name: m.user.name,
      role: m.role,
      pseudonym: m.pseudonym,
      joinedAt: m.createdAt,
      /** How they sign in; "none yet" for imported people who have not claimed their account. */
      signIn: [m.user.passwordHash ? "password" : null, ...m.user.accounts.map((a) => a.provider)].filter(Boolean).join(", ") || "none yet",
    }))
    .sort((a, b) => RANK[b.role] - RANK[a.role] || a.email.localeCompare(b.email));
  return { course, role, members: rows, waiting };
}

/**
 * Changes a member's role. Owners and instructors only; nobody changes their
 * own role; only an owner (or platform admin) makes an owner or changes one.
 */
export async function setMemberRole(db: Db, actor: Actor, input: { courseSlug: string; userId: string; role: CourseRole }) {
  const { course, role: mine } = await getCourseForEditorOrThrow(db, actor, input.courseSlug, "change roles");
  if (input.userId === actor.userId) throw new ForbiddenError("you cannot change your own role; ask another owner");
  const member = await db.membership.findUnique({ where: { courseId_userId: { courseId: course.id, userId: input.userId } }, include: { user: { select: { email: true } } } });
  if (!member) throw new NotFoundError("member");
  const ownerOnly = input.role === "OWNER" || member.role === "OWNER";
  if (ownerOnly && !actor.isPlatformAdmin && mine !== "OWNER") throw new ForbiddenError("only an owner may make or change an owner");
  if (member.role === input.role) return member;
  return db.$transaction(async (tx) => {
    const pseudonym = input.role === "STUDENT" && !member.pseudonym ? await freePseudonym(tx, course.id) : member.pseudonym;
    const updated = await tx.membership.update({ where: { id: member.id }, data: { role: input.role, pseudonym } });
    await tx.auditLog.create({
      data: { courseId: course.id, actorId: actor.userId, action: "member.role", targetType: "user", targetId: input.userId, details: { email: member.user.email, from: member.role, to: input.role } },
    });
    return updated;
  });
}
