// labgrade submissions COURSE LAB [--student EMAIL] [--status STATUS] (staff):
// every submission of the lab, all pages, a line each; a graded one's status
// column says its outcome (PASSED, PARTLY_PASSED, FAILED).
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, option, USAGE } from "../errors.js";
import { statusWord } from "../../submissions/outcome.js";

export async function submissions(args: string[]): Promise<number> {
  const student = option(args, "--student");
  const wanted = option(args, "--status");
  const [course, lab] = args;
  if (!course || !lab) throw new CliError(`submissions needs COURSE and LAB\n${USAGE}`, 64);
  const api = new ApiClient(await loadLogin());
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "100", ...(student ? { student } : {}), ...(wanted ? { status: wanted } : {}), ...(after ? { after } : {}) });
    const page = await api.labSubmissions(course, lab, query);
    for (const s of page.submissions) {
      console.log(`${s.id}\t${s.student.email}\t${statusWord(s)}\t${s.finalScore === null ? "-" : `${s.finalScore}/${s.maxScore ?? "?"}`}\t${s.createdAt}`);
    }
    after = page.next;
  } while (after);
  return 0;
}
