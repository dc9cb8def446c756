// A lab's submissions for its staff (the API's list; students list their own
// on the lab page): newest first, dry runs left out, filtered by student or
// status, a page at a time. Staff see every score, hidden tests included.
import { z } from "zod";
import { getLabForMemberOrThrow, isStaff, NOT_A_DRY_RUN, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { ForbiddenError } from "../errors.js";
import { SubmissionStatus } from "../generated/prisma/enums.js";

export const labSubmissionsQuery = z.object({
  student: z.email("student: give the student's email address").optional().describe("only this student's (email)"),
  status: z
    .enum(SubmissionStatus, { message: `status: one of ${Object.values(SubmissionStatus).join(", ")}` })
    .optional()
    .describe("only those with this status"),
  limit: z.coerce
    .number("limit: a whole number from 1 to 100")
    .int("limit: a whole number from 1 to 100")
    .min(1, "limit: at least 1")
    .max(100, "limit: at most 100")
    .default(50)
    .describe("page size"),
  after: z.string().max(64, "after: the `next` of the previous page").optional().describe("the previous page's `next`"),
});

export async function listLabSubmissionsForStaff(db: Db, actor: Actor, courseSlug: string, labSlug: string, raw: z.input<typeof labSubmissionsQuery>) {
  const query = labSubmissionsQuery.parse(raw);
  const { lab, role } = await getLabForMemberOrThrow(db, actor, courseSlug, labSlug);
  if (!actor.isPlatformAdmin && !isStaff(role)) throw new ForbiddenError("only the course's staff may list a lab's submissions");
  const rows = await db.submission.findMany({
    where: { labId: lab.id, ...NOT_A_DRY_RUN, ...(query.status ? { status: query.status } : {}), ...(query.student ? { user: { email: query.student.toLowerCase() } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    // One more than asked, to know whether there is a next page.
    take: query.limit + 1,
    ...(query.after ? { cursor: { id: query.after }, skip: 1 } : {}),
    select: {
      id: true,
      status: true,
      statusDetail: true,
      score: true,
      maxScore: true,
      finalScore: true,
      late: true,
      createdAt: true,
      finishedAt: true,
      user: { select: { email: true, name: true } },
      suiteVersion: { select: { version: true } },
    },
  });
  const page = rows.slice(0, query.limit);
  return { submissions: page, next: rows.length > query.limit ? page.at(-1)!.id : null };
}
