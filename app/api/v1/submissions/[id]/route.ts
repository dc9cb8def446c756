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
  const artifacts = await db().artifact.findMany({
    where: { testResultId: { in: results.map((r) => r.id) }, kind: { in: ["HISTORY", "RESULTS", "PLOT_DATA", "NODE_LOG", "MESSAGE_JOURNAL"] } },
    orderBy: { name: "asc" },
    select: { id: true, testResultId: true, kind: true, name: true, sizeBytes: true, truncated: true },
  });
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
    results: results.map((r) => ({
      id: r.id,
      test: r.testName,
      repetition: r.repetition,
      verdict: r.verdict,
      reason: r.reason,
      points: r.points,
      maxPoints: r.maxPoints,
      seed: r.seed,
      durationMs: r.durationMs,
      report: `/submissions/${s.id}/results/${r.id}`,
      artifacts: artifacts
        .filter((a) => a.testResultId === r.id)
        .map((a) => ({ id: a.id, kind: a.kind as "HISTORY" | "RESULTS" | "PLOT_DATA" | "NODE_LOG" | "MESSAGE_JOURNAL", name: a.name, sizeBytes: a.sizeBytes, truncated: a.truncated, url: `/api/v1/submissions/${s.id}/artifacts/${a.id}` })),
    })),
    passRates,
    withheldResults,
  });
});
