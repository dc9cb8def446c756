// labgrade labs [COURSE]: my courses, or a course's labs with deadlines and my best score.
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";

export async function labs(args: string[]): Promise<number> {
  const api = new ApiClient(await loadLogin());
  const course = args[0];
  if (!course) {
    for (const c of (await api.courses()).courses) console.log(`${c.slug}\t${c.title}\t${c.role.toLowerCase()}`);
    return 0;
  }
  for (const l of (await api.labs(course)).labs) {
    let best = "not graded yet";
    if (l.bestScore?.withheld) best = "best score withheld until results are released";
    else if (l.bestScore) best = `best ${l.bestScore.finalScore}/${l.bestScore.maxScore ?? "?"}`;
    console.log(`${l.slug}\t${l.title}\t${l.dueAt ? `due ${l.dueAt}` : "no deadline"}\t${best}`);
  }
  return 0;
}
