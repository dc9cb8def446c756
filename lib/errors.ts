// The two kinds of failure the product distinguishes everywhere:
// - StudentError: the submission's own fault (build error, limit exceeded,
//   refused archive). It becomes a verdict or a message to the student.
// - InfraError: our fault (engine down, database gone). The attempt is
//   retried and never counted against the student.
// Both carry a stable code for programs and a message for people. A third,
// CancelledError, is neither: work was stopped because someone (or a budget)
// asked; who asked decides what it means (runner/grade-job.ts).

export class StudentError extends Error {
  override name = "StudentError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class InfraError extends Error {
  override name = "InfraError";
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Work stopped because its AbortSignal was aborted: a build, a test, a grading. */
export class CancelledError extends Error {
  override name = "CancelledError";
  readonly code = "cancelled";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The thing does not exist *for this user*: also used when it exists in another tenant. */
export class NotFoundError extends Error {
  override name = "NotFoundError";
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** The user may see the thing but not do this to it. */
export class ForbiddenError extends Error {
  override name = "ForbiddenError";
}
