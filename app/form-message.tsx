// The line under a form that says how its last submission went: a status
// when it worked, an alert when it did not (screen readers announce both),
// and the problems by line when a document (suite, roster) was refused.
import type { ActionState } from "./action-state";

export function FormMessage({ message, ok, problems }: { message: string | null; ok: boolean; problems?: ActionState["problems"] }) {
  if (!message) return null;
  return (
    <div className={ok ? "form-note" : "form-error"} role={ok ? "status" : "alert"}>
      <p>{message}</p>
      <ProblemList problems={problems} />
    </div>
  );
}

/** A refused document's problems by line (also shown at the field the document came from, as the roster import does). */
export function ProblemList({ problems }: { problems?: ActionState["problems"] }) {
  if (!problems || problems.length === 0) return null;
  return (
    <ul className="problems" data-testid="problems">
      {problems.map((p, i) => (
        <li key={i}>
          {p.line !== null && <span className="problem-line">line {p.line}</span>} {p.message}
        </li>
      ))}
    </ul>
  );
}
