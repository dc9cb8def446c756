// GET /api/v1/submissions/{id}/events: the submission's progress as
// server-sent events, until its status is final. Each `progress` event is the
// submission as it is now (ProgressEvent), read from the database whenever the
// runner announces a change on Redis (`<prefix>:progress:<id>`, followed
// through the process's one subscriber: lib/submissions/progress-channel.ts),
// and every few seconds as well (a change made elsewhere, such as a cancel, or an
// announcement lost while Redis was away). The runner's own announcements are
// never forwarded: they name hidden tests' verdicts; what is sent passes the
// report's visibility rules. Comments keep idle connections open; a stream
// ends after STREAM_MAX_MS (the client reconnects). Each open stream polls the
// database, so one person may hold only LABGRADE_OPEN_STREAMS_PER_USER open at
// once in this process (the per-token call limit alone would let one token
// open a stream every half second and keep each for half an hour).
import { progressEventBody } from "@/lib/api/schemas";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { isFinalStatus } from "@/lib/submissions/final-status";
import { progressChannel } from "@/lib/submissions/progress-channel";
import type { Actor } from "@/lib/courses/access";
import { getSubmissionReportOrThrow } from "@/lib/submissions/submission-report";
import { apiError, apiRoute } from "../../../api-route";

const POLL_MS = 5000;
const KEEP_ALIVE_MS = 15_000;
const STREAM_MAX_MS = 30 * 60_000;
/** Open streams per user id, in this process. */
const openStreams = new Map<string, number>();

async function snapshot(actor: Actor, id: string) {
  const { submission: s, results, withheld, score } = await getSubmissionReportOrThrow(db(), actor, id);
  return progressEventBody.parse({
    status: s.status,
    statusDetail: s.statusDetail,
    score: score?.score ?? null,
    maxScore: score?.maxScore ?? null,
    finalScore: score?.finalScore ?? null,
    runsFinished: results.length + withheld.length,
    results: results.map((r) => ({ test: r.testName, repetition: r.repetition, verdict: r.verdict })),
  });
}

export const GET = apiRoute<{ id: string }>("READ", async (request, { actor }, params) => {
  const id = params.id.slice(0, 64);
  // Not yours or not there: a 404 (JSON) before any stream starts.
  const first = await snapshot(actor, id);
  const cfg = config();
  const open = openStreams.get(actor.userId) ?? 0;
  if (open >= cfg.LABGRADE_OPEN_STREAMS_PER_USER) {
    return apiError(429, "streams.too_many", `you have ${open} progress streams open, the most at once; close one (each \`labgrade watch\` holds one) and try again`, { "Retry-After": "5" });
  }
  openStreams.set(actor.userId, open + 1);
  const encoder = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let last = "";
      let closed = false;
      let chain: Promise<void> = Promise.resolve();
      let unwatch = () => {};
      const send = (event: Awaited<ReturnType<typeof snapshot>>) => {
        const text = JSON.stringify(event);
        if (text === last) return;
        last = text;
        controller.enqueue(encoder.encode(`event: progress\ndata: ${text}\n\n`));
        if (isFinalStatus(event.status)) stop();
      };
      // One database read at a time, in order.
      const refresh = () => {
        chain = chain.then(async () => {
          if (closed) return;
          try {
            send(await snapshot(actor, id));
          } catch {
            stop();
          }
        });
      };
      const poll = setInterval(refresh, POLL_MS);
      const keepAlive = setInterval(() => !closed && controller.enqueue(encoder.encode(": still here\n\n")), KEEP_ALIVE_MS);
      const deadline = setTimeout(() => stop(), STREAM_MAX_MS);
      stop = () => {
        if (closed) return;
        closed = true;
        const left = (openStreams.get(actor.userId) ?? 1) - 1;
        if (left > 0) openStreams.set(actor.userId, left);
        else openStreams.delete(actor.userId);
        clearInterval(poll);
        clearInterval(keepAlive);
        clearTimeout(deadline);
        unwatch();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      request.signal.addEventListener("abort", stop, { once: true });
      // Gone while the first read was made: the abort has already happened.
      if (request.signal.aborted) return stop();
      send(first);
      if (closed) return;
      unwatch = progressChannel(cfg.REDIS_URL, cfg.LABGRADE_QUEUE_PREFIX).watch(id, refresh);
      // The subscription may come after a change: read once more.
      refresh();
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", Connection: "keep-alive", "X-Accel-Buffering": "no" },
  });
});
