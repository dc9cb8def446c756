// GET /api/v1/submissions/{id}: status, score and the results I may see (the
// same visibility rules as the submission page: hidden tests are counted,
// never returned, and the score is null while any is withheld).
import { iso, submissionBody } from "@/lib/api/schemas";
import { db } from "@/lib/db";
import { queuePlace, wireQueuePlace } from "@/lib/jobs/queue-place";
import { getSubmissionReportOrThrow } from "@/lib/submissions/submission-report";
import { apiJson, apiRoute } from "../../api-route";

export const GET = apiRoute<{ id: string }>("READ", async (_request, { actor }, params) => {
  const { submission: s, results, passRates, withheldResults, score } = await getSubmissionReportOrThrow(db(), actor, params.id.slice(0, 64));
  const place = s.status === "QUEUED" ? await queuePlace(db(), s.id) : null;
  return apiJson(submissionBody, {
    id: s.id,
    course: s.course.slug,
    lab: s.lab.slug,
    status: s.status,
    statusDetail: s.statusDetail,
    // Withheld while hidden results are: the total would reveal them.
    score: score?.score ?? null,
    maxScore: score?.maxScore ?? null,
    finalScore: score?.finalScore ?? null,
    late: s.late,
    suiteVersion: s.suiteVersion.version,
    createdAt: s.createdAt.toISOString(),
    finishedAt: iso(s.finishedAt),
    queue: place && wireQueuePlace(place),
    results: results.map((r) => ({ test: r.testName, repetition: r.repetition, verdict: r.verdict, reason: r.reason, points: r.points, maxPoints: r.maxPoints, seed: r.seed, durationMs: r.durationMs })),
    passRates,
    withheldResults,
  });
});
