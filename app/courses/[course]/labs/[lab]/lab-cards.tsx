"use client";
// The lab page's cards that depend on nothing but a few fields: the tests it
// is graded on and how to submit from the command line. Client components,
// so the server sends those fields rather than the cards' element trees,
// which it would render twice per view (once to send, once to HTML): each
// card cost the lab page about as much as its list of submissions
// (bench/web-load.ts). The HTML is the same either way, JavaScript or not.
import Link from "next/link";
import type { TestSummary } from "@/lib/suites/test-summary";
import { TableScroll } from "../../../../table-scroll";

export function TestsCard({ tests }: { tests: TestSummary[] | null }) {
  return (
    <section className="card" aria-labelledby="lab-tests">
      <h2 id="lab-tests">Tests</h2>
      {tests === null ? (
        <p className="muted">No test suite is published yet.</p>
      ) : (
        <TableScroll label="Tests">
          <table className="table table-compact" data-testid="lab-tests">
            <thead>
              <tr>
                <th scope="col">Test</th>
                <th scope="col" className="numeric">
                  Points
                </th>
                <th scope="col">What runs</th>
                <th scope="col">Faults</th>
                <th scope="col">Results</th>
              </tr>
            </thead>
            <tbody>
              {tests.map((t) => (
                <tr key={t.name} data-test={t.name}>
                  <td>
                    <code>{t.name}</code>
                    {t.repetitions > 1 && <span className="muted"> ×{t.repetitions}</span>}
                  </td>
                  <td className="numeric">{t.points}</td>
                  <td>{t.runs ?? <span className="muted">shown with its results</span>}</td>
                  <td>{t.faults === null ? <span className="muted">shown with its results</span> : t.faults.length === 0 ? "none" : t.faults.join("; ")}</td>
                  <td>{t.shown}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}

/** The commands, each with what it does, the comments lined up. */
function commandLines(courseSlug: string, labSlug: string, folder: string): string {
  const lines: Array<[string, string]> = [
    [`labgrade submit ${courseSlug} ${labSlug} ${folder} --dry-run`, "lists what would be packed"],
    [`labgrade submit ${courseSlug} ${labSlug} ${folder}`, "packs and submits; prints the submission's id"],
    ["labgrade watch ID", "follows it to its verdict"],
    ["labgrade report ID", "each test's verdict and reason"],
  ];
  const width = Math.max(...lines.map(([command]) => command.length)) + 2;
  return lines.map(([command, what]) => `${command.padEnd(width)}# ${what}`).join("\n");
}

/** How to submit from a terminal: what to pack (a Raft lab takes the skeleton's src/ folder) and the CLI's commands. */
export function CommandLineCard({ courseSlug, labSlug, workload }: { courseSlug: string; labSlug: string; workload: string }) {
  const folder = workload === "raft" ? "src" : ".";
  const where = workload === "raft" ? "From your 6.5840 checkout (the folder that holds src/):" : "From your solution's folder:";
  return (
    <section className="card" aria-labelledby="lab-cli">
      <h2 id="lab-cli">From the command line</h2>
      <p>{where}</p>
      <pre className="commands" data-testid="lab-commands" tabIndex={0}>
        <code>{commandLines(courseSlug, labSlug, folder)}</code>
      </pre>
      <p className="muted">
        <code>.git</code>, <code>node_modules</code> and whatever a <code>.labgradeignore</code> file names (gitignore syntax) are left out. To upload
        in the browser instead, pack the same folder yourself (<code>tar czf solution.tar.gz {folder}</code>). Log the command line in with a
        token from <Link href="/account">your account page</Link>.
      </p>
    </section>
  );
}
