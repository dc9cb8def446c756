"use client";
// Keeps a submission's page current while it is being graded: polls the
// submission's JSON route every second and re-renders the page (server
// components, no reload) when its status or status detail changes. Stops once
// the status is final.
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import type { WireQueuePlace } from "@/lib/jobs/queue-place";

function QueueNote({ queue }: { queue: WireQueuePlace }) {
  let estimate = "";
  if (queue.capacity === 0) estimate = "no runner is online right now; it will start when one is";
  else if (queue.estimatedStartAt) {
    const minutes = Math.round((new Date(queue.estimatedStartAt).getTime() - Date.now()) / 60_000);
    estimate = minutes < 1 ? "expected to start within a minute" : `expected to start in about ${minutes} minute${minutes === 1 ? "" : "s"}`;
  }
  return (
    <p className="muted" data-testid="queue-place">
      Place in the queue: {queue.position}
      {estimate && `; ${estimate}`}.
    </p>
  );
}

const IN_PROGRESS = new Set(["QUEUED", "BUILDING", "RUNNING"]);
const POLL_EVERY_MS = 1000;

export function LiveStatus({
  submissionId,
  status,
  statusDetail,
  queue: initialQueue,
}: {
  submissionId: string;
  status: string;
  statusDetail: string | null;
  queue: WireQueuePlace | null;
}) {
  const router = useRouter();
  const [queue, setQueue] = useState(initialQueue);
  useEffect(() => {
    if (!IN_PROGRESS.has(status)) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The state the page was last refreshed for. Polling goes on until the
    // refreshed page's new props restart this effect, or the route reports a
    // final status (or that the submission is gone, or the session is over).
    let seen = `${status}\n${statusDetail ?? ""}`;
    const poll = async () => {
      try {
        const response = await fetch(`/api/submissions/${encodeURIComponent(submissionId)}`, {
          cache: "no-store",
          signal: controller.signal,
        });
        if (response.status === 401 || response.status === 404) return;
        if (response.ok) {
          const latest = (await response.json()) as { status: string; statusDetail: string | null; queue: WireQueuePlace | null };
          setQueue(latest.queue);
          const now = `${latest.status}\n${latest.statusDetail ?? ""}`;
          if (now !== seen) {
            seen = now;
            router.refresh();
          }
          if (!IN_PROGRESS.has(latest.status)) return;
        }
      } catch {
        if (controller.signal.aborted) return;
        // A failed poll (server restarting, network blip) is simply retried.
      }
      timer = setTimeout(() => void poll(), POLL_EVERY_MS);
    };
    timer = setTimeout(() => void poll(), POLL_EVERY_MS);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [router, submissionId, status, statusDetail]);
  if (!IN_PROGRESS.has(status)) return null;
  return (
    <>
      <p className="live-note muted" aria-live="polite">
        <span className="spinner" aria-hidden="true" /> This page updates by itself while your submission is graded.
      </p>
      {status === "QUEUED" && queue && <QueueNote queue={queue} />}
    </>
  );
}
