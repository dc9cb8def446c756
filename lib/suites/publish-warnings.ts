// What staff should know before and after publishing a suite version: that
// it was never dry-run against the lab's reference solutions (the web form
// asks them to confirm), and that the lab itself is still a draft, so no
// student is graded against the version until the lab is published.
import { getLabForEditorOrThrow, type Actor } from "../courses/access.js";
import type { Db } from "../db.js";
import { NotFoundError } from "../errors.js";

export interface PublishWarnings {
  /** No dry run of this version was ever started. */
  neverDryRun: boolean;
  /** The lab is a draft: students do not see it. */
  labHidden: boolean;
}

export async function suitePublishWarnings(db: Db, actor: Actor, input: { courseSlug: string; labSlug: string; version: number }): Promise<PublishWarnings> {
  const { lab } = await getLabForEditorOrThrow(db, actor, input.courseSlug, input.labSlug, "publish test suites");
  const version = await db.suiteVersion.findUnique({ where: { labId_version: { labId: lab.id, version: input.version } }, select: { id: true } });
  if (!version) throw new NotFoundError(`suite version ${input.version}`);
  const dryRuns = await db.gradingJob.count({ where: { suiteVersionId: version.id, kind: "DRY_RUN" } });
  return { neverDryRun: dryRuns === 0, labHidden: !lab.published };
}

/** The words the suite page says after publishing, with the draft lab's caveat. */
export function publishedMessage(version: number, warnings: PublishWarnings): string {
  return warnings.labHidden
    ? `Version ${version} is published, but the lab is still a draft: students do not see it and nobody is graded against it until you publish the lab (Edit lab → Published).`
    : `Version ${version} is published: new submissions are graded against it.`;
}
