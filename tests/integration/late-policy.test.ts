// The late policy as the runner applies it, with real PostgreSQL, Redis and
// Docker: a penalty per started day late counts from the student's own due
// date, so a student with an extension who submits a day after it loses one
// day's penalty, not one for every day since the lab's original deadline.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_COURSE_SLUG } from "../../lib/seed/demo-course.js";
import { createGradingStack, type GradingStack } from "../support/grading-stack.js";

const DAY = 86_400_000;
let stack: GradingStack;

beforeAll(async () => {
  stack = await createGradingStack("late-policy");
  const course = await stack.db.course.findUniqueOrThrow({ where: { slug: DEMO_COURSE_SLUG } });
  await stack.createPythonEchoLab(course.id, { durationSeconds: 1 });
  // Due four days ago (less an hour), 10 % off per started day.
  await stack.db.lab.updateMany({ where: { slug: "py-echo" }, data: { dueAt: new Date(Date.now() - 4 * DAY + 3600_000), latePolicy: "PENALTY_PER_DAY", latePenaltyPerDay: 0.1 } });
  await stack.startRunner();
});

afterAll(async () => {
  await stack?.close();
});

describe("a late submission's penalty", () => {
  it("counts the days from the student's extension, and from the lab's due date for everyone else", async () => {
    const lab = await stack.db.lab.findFirstOrThrow({ where: { slug: "py-echo" } });
    const carol = await stack.actor("carol@demo.labgrade.test");
    // Carol's extension ended a day ago, less an hour (written directly: staff may only grant future dates).
    await stack.db.extension.create({ data: { labId: lab.id, userId: carol.userId, dueAt: new Date(Date.now() - DAY + 3600_000), grantedById: (await stack.actor("instructor@demo.labgrade.test")).userId } });
    const carols = await stack.submitPythonEcho(carol, DEMO_COURSE_SLUG);
    const bobs = await stack.submitPythonEcho(await stack.actor("bob@demo.labgrade.test"), DEMO_COURSE_SLUG);
    for (const id of [carols.id, bobs.id]) expect(await stack.waitForFinalStatus(id)).toBe("GRADED");
    const graded = async (id: string) => stack.db.submission.findUniqueOrThrow({ where: { id }, select: { score: true, finalScore: true, late: true } });
    // Both passed in full and are late; Carol by one started day, Bob by four.
    expect(await graded(carols.id)).toEqual({ score: 1, finalScore: 0.9, late: true });
    expect(await graded(bobs.id)).toEqual({ score: 1, finalScore: expect.closeTo(0.6, 10), late: true });
  });
});
