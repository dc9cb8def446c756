// POST /api/v1/courses/{course}/labs/{lab}/submissions: submit an archive
// (.tar.gz or .tar) as the request body. The same domain function as the web
// form: the lab, its opening, deadline and limits are checked before the body
// is read (422 with the code and when the next submission is allowed), the
// body is read no further than the lab's archive limit (413), uploads in
// progress are capped per person and per process (429), and the archive is
// validated before anything is stored.
// GET: the lab's submissions, for its staff (?student=, ?status=, ?limit=, ?after=).
import { iso, labSubmissionsBody, submissionCreatedBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { gradingQueue } from "@/lib/queue";
import { createSubmission } from "@/lib/submissions/create-submission";
import { listLabSubmissionsForStaff } from "@/lib/submissions/lab-submissions";
import { uploadSlots } from "@/lib/submissions/upload-slots";
import { requestUpload } from "@/lib/submissions/upload-source";
import { apiJson, apiRoute } from "../../../../../api-route";

export const POST = apiRoute<{ course: string; lab: string }>("SUBMIT", async (request, { actor }, params) => {
  const submission = await createSubmission({ db: db(), queue: gradingQueue(), uploadSlots: uploadSlots() }, actor, {
    courseSlug: params.course,
    labSlug: params.lab,
    upload: requestUpload(request),
  });
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
