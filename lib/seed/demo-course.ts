// The demo course: an instructor, a TA, a platform admin, three students and
// every built-in lab with its default suite (published) and reference
// solutions. Idempotent: running it again changes nothing, so infra/up can
// call it on every start. Tests call it on their own database. The demo
// accounts count as having proven their (made-up) emails, so they sign in,
// join and take roles like real, confirmed accounts.
import { putBlob, sha256 } from "../blobs.js";
import { hashPassword } from "../auth/password.js";
import type { Db } from "../db.js";
import type { CourseRole } from "../generated/prisma/enums.js";
import { ALL_BUILTIN_LABS } from "../labs/builtin.js";
import { packReferenceSolution } from "../labs/pack-reference.js";
import { parseSuite } from "../suites/parse-suite.js";

export const DEMO_COURSE_SLUG = "demo-ds";
/** Every demo account's password; printed by infra/up. Demo data only. */
export const DEMO_PASSWORD = "labgrade-demo-2026";

export const DEMO_USERS: Array<{ email: string; name: string; role: CourseRole | null; admin?: boolean; pseudonym?: string }> = [
  { email: "admin@demo.labgrade.test", name: "Ada Admin", role: null, admin: true },
  { email: "instructor@demo.labgrade.test", name: "Ivan Instructor", role: "INSTRUCTOR" },
  { email: "ta@demo.labgrade.test", name: "Tara Assistant", role: "TA" },
  { email: "alice@demo.labgrade.test", name: "Alice Student", role: "STUDENT", pseudonym: "quiet-raft" },
  { email: "bob@demo.labgrade.test", name: "Bob Student", role: "STUDENT", pseudonym: "lazy-gossip" },
  { email: "carol@demo.labgrade.test", name: "Carol Student", role: "STUDENT", pseudonym: "brave-paxos" },
];

export async function seedDemoCourse(db: Db, opts: { log?: (line: string) => void } = {}): Promise<{ courseId: string }> {
  const log = opts.log ?? (() => undefined);
  const course = await db.course.upsert({
    where: { slug: DEMO_COURSE_SLUG },
    create: { slug: DEMO_COURSE_SLUG, title: "Distributed Systems (demo)", term: "Fall 2026" },
    update: {},
  });
  let passwordHash: string | undefined;
  for (const u of DEMO_USERS) {
    const existing = await db.user.findUnique({ where: { email: u.email } });
    const user =
      existing ??
      (await db.user.create({
        data: { email: u.email, name: u.name, isPlatformAdmin: u.admin ?? false, passwordHash: (passwordHash ??= await hashPassword(DEMO_PASSWORD)), emailVerified: new Date() },
      }));
    if (!existing) log(`created user ${u.email}`);
    // Seeded before accounts proved their emails.
    if (existing && !existing.emailVerified) await db.user.update({ where: { id: existing.id }, data: { emailVerified: new Date() } });
    if (u.role) {
      await db.membership.upsert({
        where: { courseId_userId: { courseId: course.id, userId: user.id } },
        create: { courseId: course.id, userId: user.id, role: u.role, pseudonym: u.pseudonym },
        update: {},
      });
    }
  }
  const creator = await db.user.findUniqueOrThrow({ where: { email: "instructor@demo.labgrade.test" } });
  for (const builtin of ALL_BUILTIN_LABS) {
    const { suiteSource, shortSuiteSource: _short, references, slug, dueInDays, ...fields } = builtin;
    const dueAt = dueInDays === undefined ? undefined : new Date(Date.now() + dueInDays * 86_400_000);
    const lab = await db.lab.upsert({
      where: { courseId_slug: { courseId: course.id, slug } },
      create: { courseId: course.id, slug, ...fields, dueAt, published: true, submissionLimit: 20, submissionWindowSeconds: 3600 },
      update: {},
    });
    const parsed = parseSuite(suiteSource);
    if (!parsed.ok) throw new Error(`built-in suite of ${slug} is invalid: ${JSON.stringify(parsed.errors)}`);
    const latest = await db.suiteVersion.findFirst({ where: { labId: lab.id }, orderBy: { version: "desc" } });
    if (!latest) {
      await db.suiteVersion.create({
        data: {
          labId: lab.id,
          version: 1,
          source: suiteSource,
          spec: parsed.spec as object,
          sourceHash: parsed.sourceHash,
          publishedAt: new Date(),
          createdById: creator.id,
        },
      });
      log(`lab ${slug}: suite version 1 published`);
    }
    for (const ref of references) {
      const archive = await packReferenceSolution(ref.dir);
      const hash = sha256(archive);
      const blob = await putBlob(db, `archives/${hash}`, archive);
      await db.referenceSolution.upsert({
        where: { labId_name: { labId: lab.id, name: ref.name } },
        create: { labId: lab.id, name: ref.name, expectPass: ref.expectPass, archiveKey: blob.key, contentHash: hash },
        update: { archiveKey: blob.key, contentHash: hash },
      });
    }
  }
  return { courseId: course.id };
}
