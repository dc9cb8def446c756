// The band order (lib/jobs/scheduling.ts) against a small model of the queue:
// BullMQ serves the lowest priority first and equal priorities in arrival
// order; each new job's priority comes from a BandOrder built from the jobs
// as they stand, as fairPriorities builds it from the database.
import { describe, expect, it } from "vitest";
import { BandOrder, bandPosition, PRIORITY_BAND, ROUNDS_PER_BAND, TURNS_PER_ROUND, type BandJob, type JobKind } from "../../lib/jobs/scheduling.js";

class ModelQueue {
  private readonly jobs: Array<BandJob & { name: string; seq: number }> = [];
  private clock = 0;
  readonly started: string[] = [];

  constructor(private readonly kind: JobKind = "SUBMISSION") {}

  /** `name` is course/student/n; the course and student are its first two parts. */
  submit(...names: string[]): void {
    for (const name of names) {
      const [courseId, userId] = name.split("/") as [string, string];
      const priority = new BandOrder(this.kind, this.jobs).next({ courseId, userId });
      this.jobs.push({ name, courseId, userId, priority, status: "QUEUED", createdAt: new Date(++this.clock), seq: this.clock });
    }
  }

  /** Starts the next job in queue order and returns its name. */
  start(): string {
    const next = this.jobs.filter((j) => j.status === "QUEUED").sort((a, b) => a.priority - b.priority || a.seq - b.seq)[0];
    if (!next) throw new Error("nothing waits");
    next.status = "RUNNING";
    this.started.push(next.name);
    return next.name;
  }

  finish(name: string): void {
    const job = this.jobs.find((j) => j.name === name && j.status === "RUNNING");
    if (!job) throw new Error(`${name} is not running`);
    job.status = "SUCCEEDED";
    job.finishedAt = new Date(++this.clock);
  }

  /** One runner slot: start and finish everything that waits. */
  drain(): string[] {
    const before = this.started.length;
    while (this.jobs.some((j) => j.status === "QUEUED")) this.finish(this.start());
    return this.started.slice(before);
  }

  priorityOf(name: string): number {
    return this.jobs.find((j) => j.name === name)!.priority;
  }
}

const burst = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}/${i + 1}`);

describe("fair order within a band", () => {
  it("starts a classmate's submission after at most one of a bursting student's gradings", () => {
    const q = new ModelQueue();
    q.submit(...burst("A/alice", 20));
    const running = q.start();
    q.submit("A/bob/1");
    q.finish(running);
    expect(q.drain().slice(0, 2)).toEqual(["A/bob/1", "A/alice/2"]);

    // Also when nothing had started yet.
    const idle = new ModelQueue();
    idle.submit(...burst("A/alice", 20), "A/bob/1");
    expect(idle.drain().slice(0, 3)).toEqual(["A/alice/1", "A/bob/1", "A/alice/2"]);
  });

  it("serves students who send several at once in turns", () => {
    const q = new ModelQueue();
    q.submit(...burst("A/s1", 3), ...burst("A/s2", 3), ...burst("A/s3", 3));
    expect(q.drain()).toEqual(["A/s1/1", "A/s2/1", "A/s3/1", "A/s1/2", "A/s2/2", "A/s3/2", "A/s1/3", "A/s2/3", "A/s3/3"]);
  });

  it("lets courses take turns, as before, when each has one student", () => {
    const q = new ModelQueue();
    q.submit(...burst("A/alice", 4), ...burst("B/dana", 2));
    expect(q.drain()).toEqual(["A/alice/1", "B/dana/1", "A/alice/2", "B/dana/2", "A/alice/3", "A/alice/4"]);
  });

  it("delays another course's newly waiting submission by one grading, however many students the busy course has", () => {
    const q = new ModelQueue();
    q.submit(...Array.from({ length: 100 }, (_, i) => `A/student${i}/1`));
    q.submit("C/carl/1");
    expect(q.drain().indexOf("C/carl/1")).toBe(1);

    // Midway through a round too: after 30 of the 100 started.
    const mid = new ModelQueue();
    mid.submit(...Array.from({ length: 100 }, (_, i) => `A/student${i}/1`));
    for (let i = 0; i < 30; i++) mid.finish(mid.start());
    mid.submit("C/carl/1");
    expect(mid.drain()[1]).toBe("C/carl/1");
  });

  it("puts a student served while the band stayed busy behind a burst's next job, so resubmitting classmates cannot starve it", () => {
    // Two slots; dave's long grading holds the first round open all along.
    const q = new ModelQueue();
    q.submit("A/dave/1");
    q.start();
    q.submit(...burst("A/alice", 2));
    const a1 = q.start();
    q.submit("A/carl/1");
    q.finish(a1);
    q.finish(q.start()); // carl's first: a newcomer, ahead of alice's second
    q.submit("A/carl/2"); // carl resubmits as soon as his result is in
    expect(q.start()).toBe("A/alice/2");
    expect(q.started).toEqual(["A/dave/1", "A/alice/1", "A/carl/1", "A/alice/2"]);
  });

  it("starts rounds again from the first once the band is idle, and keeps every priority inside its band", () => {
    const q = new ModelQueue("REGRADE");
    q.submit(...burst("A/alice", 700));
    // Past the band's last round, a student's jobs share it (in turns, then arrival order).
    for (const n of [600, 700]) expect(bandPosition("REGRADE", q.priorityOf(`A/alice/${n}`)).round).toBe(ROUNDS_PER_BAND - 1);
    expect(q.priorityOf("A/alice/700")).toBeLessThan(PRIORITY_BAND.REGRADE + ROUNDS_PER_BAND * TURNS_PER_ROUND);
    expect(q.drain()).toEqual(burst("A/alice", 700));
    q.submit("A/alice/701");
    expect(q.priorityOf("A/alice/701")).toBe(PRIORITY_BAND.REGRADE);
  });
});
