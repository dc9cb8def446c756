// labgrade submit COURSE LAB [DIR] [--dry-run]: checks that the lab is open to
// this login, packs DIR and uploads it with a progress bar; --dry-run lists
// what would be packed and uploads nothing.
import path from "node:path";
import { ApiClient } from "../api-client.js";
import { loadLogin } from "../config-store.js";
import { CliError, USAGE } from "../errors.js";
import { filesToPack, packForSubmission } from "../pack.js";
import { formatSize, uploadProgress } from "../upload-progress.js";

export async function submit(args: string[]): Promise<number> {
  const dryRun = args.includes("--dry-run");
  const [course, lab, dir = ".", ...rest] = args.filter((a) => a !== "--dry-run");
  if (!course || !lab || rest.length > 0) throw new CliError(`submit needs COURSE and LAB, and at most one DIR\n${USAGE}`, 64);
  const folder = path.resolve(dir);
  if (dryRun) {
    const files = await filesToPack(folder);
    for (const f of files) console.log(`${f.path}\t${formatSize(f.bytes)}`);
    console.error(`${files.length} file${files.length === 1 ? "" : "s"}, ${formatSize(files.reduce((sum, f) => sum + f.bytes, 0))} before packing; nothing was uploaded (--dry-run)`);
    return 0;
  }
  const api = new ApiClient(await loadLogin());
  // Before packing: a typo in the course or lab is said at once, with what there is.
  const { labs } = await api.labs(course);
  const target = labs.find((l) => l.slug === lab);
  if (!target) throw new CliError(`${course} has no lab "${lab}" open to you; its labs: ${labs.map((l) => l.slug).join(", ") || "none yet"}`, 64);
  const { archive, files } = await packForSubmission(folder);
  if (archive.length > target.maxArchiveBytes) {
    throw new CliError(`the packed folder is ${formatSize(archive.length)}, over ${lab}'s limit of ${formatSize(target.maxArchiveBytes)}; leave out what the build does not need with .labgradeignore (labgrade submit --dry-run lists what is packed)`, 64);
  }
  process.stderr.write(`uploading ${files} files (${formatSize(archive.length)} packed)\n`);
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
