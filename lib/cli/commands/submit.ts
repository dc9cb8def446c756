// labgrade submit COURSE LAB [DIR]: packs DIR and uploads it, with a progress bar.
import path from "node:path";
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, USAGE } from "../errors.js";
import { packForSubmission } from "../pack.js";
import { uploadProgress } from "../upload-progress.js";

export async function submit(args: string[]): Promise<number> {
  const [course, lab, dir = "."] = args;
  if (!course || !lab) throw new CliError(`submit needs COURSE and LAB\n${USAGE}`, 64);
  const api = new ApiClient(await loadLogin());
  const { archive, files } = await packForSubmission(path.resolve(dir));
  process.stderr.write(`uploading ${files} files (${(archive.length / 1024).toFixed(1)} KiB packed)\n`);
  const progress = uploadProgress(archive.length);
  let created: Awaited<ReturnType<ApiClient["submit"]>>;
  try {
    created = await api.submit(course, lab, archive, progress.update);
  } finally {
    progress.end();
  }
  console.log(created.id);
  console.error(`follow it: labgrade watch ${created.id}  or  ${api.link(created.url)}`);
  return 0;
}
