// /submissions/[id]: a submission's status and report: score, build log and
// one row per test repetition (verdict, reason, seed, duration). While it is
// being graded, <LiveStatus> re-renders the page as the status moves on.
import Link from "next/link";
import { requireActor } from "@/lib/auth/require-actor";
import { db } from "@/lib/db";
import { queuePlace, wireQueuePlace } from "@/lib/jobs/queue-place";
import { getSubmissionReportOrThrow } from "@/lib/submissions/submission-report";
import { formatBytes, formatDurationMs, formatScore } from "../../format";
import { orNotFound } from "../../or-not-found";
import { StatusBadge, VerdictBadge } from "../../status-badge";
import { whyNotCancellable } from "@/lib/submissions/cancel-submission";
import { isFinalStatus } from "@/lib/submissions/final-status";
import { CancelForm } from "./cancel-form";
import { LiveStatus } from "./live-status";
import { RegradeOneForm } from "./regrade-form";
import { LocalTime } from "../../local-time";
import { TableScroll } from "../../table-scroll";

function When({ date }: { date: Date | null }) {
  return date ? <LocalTime date={date} /> : <span className="muted">—</span>;
}

export default async function SubmissionPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requireActor(`/submissions/${id}`);
  const { submission: s, results, passRates, withheld, score, shownPoints, staffView } = await orNotFound(getSubmissionReportOrThrow(db(), actor, id));
  const own = s.userId === actor.userId;
  const queue = s.status === "QUEUED" ? await queuePlace(db(), s.id) : null;
  const cancellable = (await whyNotCancellable(db(), actor, s)) === null;
  return (
    <>
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">My courses</Link> / <Link href={`/courses/${s.course.slug}`}>{s.course.title}</Link> /{" "}
        <Link href={`/courses/${s.course.slug}/labs/${s.lab.slug}`}>{s.lab.title}</Link>
      </nav>
      <h1 className="with-badge">
        Submission <StatusBadge status={s.status} score={score?.score ?? null} maxScore={score?.maxScore ?? null} />
      </h1>
      <LiveStatus submissionId={s.id} status={s.status} statusDetail={s.statusDetail} queue={queue && wireQueuePlace(queue)} />
      {cancellable && <CancelForm submissionId={s.id} />}
      {staffView && (
        <section className="card" data-testid="staff-tools">
          <h2>For staff</h2>
          <p>
            {/* Never prefetched: each view of the code is audited. */}
            <Link href={`/submissions/${s.id}/code`} prefetch={false}>
              Browse the code
            </Link>{" "}
            ·{" "}
            <a href={`/submissions/${s.id}/archive`} download>
              Download the archive
            </a>{" "}
            <span className="muted">(each view and download is in the audit log)</span>
          </p>
          {/* Always here, so its answer stays on screen while the page shows the regrade queued. */}
          <RegradeOneForm submissionId={s.id} courseSlug={s.course.slug} labSlug={s.lab.slug} ready={isFinalStatus(s.status)} />
        </section>
      )}

      <section className="card">
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="status-detail">{s.statusDetail ?? <span className="muted">—</span>}</dd>
          <dt>Score</dt>
          <dd data-testid="score">
            {score ? (
              <>
                {formatScore(score.finalScore ?? score.score, score.maxScore)}
                {s.late && score.finalScore !== null && score.score !== null && score.finalScore !== score.score && (
                  <span className="muted"> (before late penalty: {formatScore(score.score, score.maxScore)})</span>
                )}
              </>
            ) : (
              <>
                {formatScore(shownPoints.earned, shownPoints.possible)} <span className="muted">on the tests shown; the total appears when the hidden results are released</span>
              </>
            )}
            {s.late && <span className="tag tag-warn">late</span>}
          </dd>
          {!own && (
            <>
              <dt>Student</dt>
              <dd>
                {s.user.name ?? s.user.email} <span className="muted">({s.user.email})</span>
              </dd>
            </>
          )}
          <dt>Submitted</dt>
          <dd data-testid="submitted-at">
            <When date={s.createdAt} />
          </dd>
          <dt>Grading started</dt>
          <dd>
            <When date={s.startedAt} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <When date={s.finishedAt} />
          </dd>
          <dt>Test suite</dt>
          <dd>version {s.suiteVersion.version}</dd>
          <dt>Archive</dt>
          <dd>
            {formatBytes(s.archiveBytes)} <code className="hash">sha256 {s.contentHash.slice(0, 12)}</code>
          </dd>
        </dl>
        {s.status === "INFRA_ERROR" && (
          <p className="form-note">This failure was ours, not your code&apos;s: it does not count against your submissions.</p>
        )}
      </section>

      {s.status === "BUILD_FAILED" ? (
        <section className="card">
          <h2>Build log</h2>
          <pre className="log" data-testid="build-log" tabIndex={0}>
            {s.buildLog || "(the build printed nothing)"}
          </pre>
        </section>
      ) : (
        s.buildLog && (
          <details className="card">
            <summary>Build output</summary>
            <pre className="log" tabIndex={0}>
              {s.buildLog}
            </pre>
          </details>
        )
      )}

      <section className="card">
        <h2>Tests</h2>
        {results.length === 0 && withheld.length === 0 ? (
          <p className="muted">{isFinalStatus(s.status) ? "No test results." : "Results appear here as the tests finish."}</p>
        ) : (
          <>
          {passRates.some((t) => t.runs > 1) && (
            <ul className="pass-rates" data-testid="pass-rates">
              {passRates.map((t) => (
                <li key={t.testName}>
                  <code>{t.testName}</code>: passed {t.passes} of {t.runs} runs ({Math.round(t.passRate * 100)} %)
                </li>
              ))}
            </ul>
          )}
          <TableScroll label="Results by test">
            <table className="table table-reflow" data-testid="results">
              <thead>
                <tr>
                  <th scope="col">Test</th>
                  <th scope="col" className="numeric">
                    Repetition
                  </th>
                  <th scope="col">Seed</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Reason</th>
                  <th scope="col" className="numeric">
                    Points
                  </th>
                  <th scope="col" className="numeric">
                    Duration
                  </th>
                </tr>
              </thead>
              <tbody>
                {results.map((r) => (
                  <tr key={r.id}>
                    <td data-label="Test">
                      <Link href={`/submissions/${s.id}/results/${r.id}`}>
                        <code>{r.testName}</code>
                      </Link>
                    </td>
                    <td className="numeric" data-label="Repetition">{r.repetition + 1}</td>
                    <td data-label="Seed">
                      <code className="seed">{r.seed}</code>
                    </td>
                    <td data-label="Verdict">
                      <VerdictBadge verdict={r.verdict} />
                    </td>
                    <td className="reason" data-label="Reason">{r.reason}</td>
                    <td className="numeric" data-label="Points">{formatScore(r.points, r.maxPoints)}</td>
                    <td className="numeric" data-label="Duration">{formatDurationMs(r.durationMs)}</td>
                  </tr>
                ))}
                {withheld.map((r) => (
                  <tr key={`${r.testName}/${r.repetition}`} className="withheld">
                    <td data-label="Test">
                      <code>{r.testName}</code>
                    </td>
                    <td className="numeric" data-label="Repetition">{r.repetition + 1}</td>
                    <td colSpan={5} className="muted" data-label="Results">
                      hidden {r.visibility === "after_due" ? "until the due date or until the staff release it" : "until the staff release it"}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          </>
        )}
      </section>
    </>
  );
}
