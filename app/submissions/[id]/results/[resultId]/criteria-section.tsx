// A run's pass criteria beyond its checker (the test's availability and
// targets, lib/suites/targets.ts): one row each, what was asked, the run's
// figure and whether it was met, as the runner recorded them.
import type { CriterionResult } from "@/lib/suites/targets";
import { TableScroll } from "../../../../table-scroll";

export function CriteriaSection({ criteria }: { criteria: readonly CriterionResult[] | undefined }) {
  if (!criteria || criteria.length === 0) return null;
  const met = criteria.filter((c) => c.met).length;
  return (
    <section className="card" data-testid="criteria">
      <h2>Targets</h2>
      <p>
        {met === criteria.length
          ? criteria.length === 1
            ? "The test's target was met."
            : `All ${criteria.length} of the test's targets were met.`
          : `${met} of the test's ${criteria.length} targets ${met === 1 ? "was" : "were"} met; a run passes only when every one is.`}
      </p>
      <TableScroll label="Criteria">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">This run</th>
              <th scope="col">Met</th>
            </tr>
          </thead>
          <tbody>
            {criteria.map((c) => (
              <tr key={c.criterion} data-criterion={c.criterion} data-met={c.met}>
                <td>{c.asked}</td>
                <td>{c.shown}</td>
                <td>{c.met ? <strong className="tag tag-pass">met</strong> : <strong className="tag tag-fail">not met</strong>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
