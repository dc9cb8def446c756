// POST /api/v1/courses/{course}/labs/{lab}/submissions: submit an archive
// (.tar.gz or .tar) as the request body. The same checks as the web form:
// the archive is validated before anything is stored, and the lab's limits
// apply (422 with the code and when the next submission is allowed).
// GET: the lab's submissions, for its staff (?student=, ?status=, ?limit=, ?after=).
import { iso, labSubmissionsBody, submissionCreatedBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { createSubmission } from "@/lib/submissions/create-submission";
import { listLabSubmissionsForStaff } from "@/lib/submissions/lab-submissions";
import { apiError, apiJson, apiRoute, bodyUpTo } from "../../../../../api-route";

/** Larger bodies are refused unread, or read no further than this (no lab accepts more than 50 MB). */
const MAX_BODY_BYTES = 50 * 1024 * 1024;

export const POST = apiRoute<{ course: string; lab: string }>("SUBMIT", async (request, { actor }, params) => {
  const upload = await bodyUpTo(request, MAX_BODY_BYTES);
  if (upload === null) return apiError(413, "archive.too_large", "the archive is larger than 50 MB");
  if (upload.length === 0) return apiError(400, "archive.missing", "send the archive (.tar.gz or .tar) as the request body");
  const submission = await createSubmission({ db: db(), queue: gradingQueue() }, actor, { courseSlug: params.course, labSlug: params.lab, upload });
  return apiJson(submissionCreatedBody, { id: submission.id, status: submission.status, url: `/submissions/${submission.id}` }, 201);
});

export const GET = apiRoute<{ course: string; lab: string }>("READ", async (request, { actor }, params) => {
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const { submissions, next } = await listLabSubmissionsForStaff(db(), actor, params.course, params.lab, query);
  return apiJson(labSubmissionsBody, {
    submissions: submissions.map((s) => ({
      id: s.id,
      student: { email: s.user.email, name: s.user.name },
      status: s.status,
      statusDetail: s.statusDetail,
      score: s.score,
      maxScore: s.maxScore,
      finalScore: s.finalScore,
      late: s.late,
      suiteVersion: s.suiteVersion.version,
      createdAt: s.createdAt.toISOString(),
      finishedAt: iso(s.finishedAt),
      url: `/api/v1/submissions/${s.id}`,
    })),
    next,
  });
});
