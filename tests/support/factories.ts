// Valid fixtures in one line, each in a tenant of its own unless told
// otherwise: a course with its staff, a person (proven email, optional
// password), a membership. Names are unique per call, so tests never share
// state by accident.
import { randomBytes } from "node:crypto";
import { hashPassword } from "../../lib/auth/password.js";
import type { CourseRole } from "../../lib/generated/prisma/enums.js";
import type { Db } from "../../lib/db.js";

const unique = () => randomBytes(3).toString("hex");

/** A person with a proven email (and a password, if given). */
export async function createUser(db: Db, fields: { email?: string; name?: string; password?: string; proven?: boolean } = {}) {
  return db.user.create({
    data: {
      email: (fields.email ?? `person-${unique()}@factory.labgrade.test`).toLowerCase(),
      name: fields.name ?? null,
      passwordHash: fields.password ? await hashPassword(fields.password) : null,
      emailVerified: fields.proven === false ? null : new Date(),
    },
  });
}

/** A course of its own, with one member in each role asked for (made on the spot unless given). */
export async function createCourse(db: Db, fields: { slug?: string; title?: string; members?: Partial<Record<CourseRole, { email?: string; name?: string; password?: string }>> } = {}) {
  const slug = fields.slug ?? `course-${unique()}`;
  const course = await db.course.create({ data: { slug, title: fields.title ?? `Course ${slug}` } });
  const members: Partial<Record<CourseRole, { id: string; email: string }>> = {};
  for (const [role, person] of Object.entries(fields.members ?? {}) as Array<[CourseRole, { email?: string; name?: string; password?: string }]>) {
    const user = await createUser(db, person);
    await addMember(db, course.id, user.id, role);
    members[role] = { id: user.id, email: user.email };
  }
  return { course, members };
}

/** A membership (students get a pseudonym, as everywhere else). */
export async function addMember(db: Db, courseId: string, userId: string, role: CourseRole) {
  return db.membership.create({ data: { courseId, userId, role, pseudonym: role === "STUDENT" ? `student-${unique()}` : null } });
}
