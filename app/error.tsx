"use client";
// Shown when a page fails on the server for a reason that is ours, not the
// user's. The digest lets an operator find the error in the server log.
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card empty-state">
      <h1>Something went wrong</h1>
      <p className="muted">
        The page could not be shown. Try again in a moment.
        {error.digest && <> (Reference: <code>{error.digest}</code>)</>}
      </p>
      <button type="button" className="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
