// Volumes with a real size limit. Docker's local driver can back a volume
// with tmpfs (size=…), but it unmounts — and so empties — a tmpfs volume as
// soon as no container uses it. A tiny "holder" container keeps each such
// volume mounted for its whole life, so a build's output survives until the
// test nodes mount it, and a node's /data survives kill and restart.
// Invariant: a bounded volume is removed only through removeVolume(), which
// removes its holder first (the holder carries the label labgrade.holder=<volume>).
import type Docker from "dockerode";
import { extract } from "tar-stream";
import { SANDBOX_UID } from "./images/recipes.js";
import { SANDBOX_USER } from "./hardening.js";

export interface BoundedVolumeRequest {
  name: string;
  sizeBytes: number;
  labels: Record<string, string>;
  /** Any image with /bin/sleep (ours all have it). */
  holderImage: string;
}

export async function createBoundedVolume(docker: Docker, req: BoundedVolumeRequest): Promise<string> {
  await docker.createVolume({
    Name: req.name,
    Labels: req.labels,
    Driver: "local",
    DriverOpts: { type: "tmpfs", device: "tmpfs", o: `size=${req.sizeBytes},uid=${SANDBOX_UID},gid=${SANDBOX_UID},mode=0755` },
  });
  try {
    const holder = await docker.createContainer({
      name: `${req.name}-holder`,
      Image: req.holderImage,
      Cmd: ["/bin/sleep", "infinity"],
      User: SANDBOX_USER,
      Labels: { ...req.labels, "labgrade.holder": req.name },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: "none",
        CapDrop: ["ALL"],
        SecurityOpt: ["no-new-privileges"],
        ReadonlyRootfs: true,
        Memory: 16 * 1024 * 1024,
        PidsLimit: 4,
        Mounts: [{ Type: "volume", Source: req.name, Target: "/held", ReadOnly: true }],
      },
    });
    await holder.start();
  } catch (err) {
    await removeVolume(docker, req.name);
    throw err;
  }
  return req.name;
}

/** Removes a volume and, first, the holder that keeps it mounted (if any). */
export async function removeVolume(docker: Docker, name: string): Promise<void> {
  const holders = await docker
    .listContainers({ all: true, filters: JSON.stringify({ label: [`labgrade.holder=${name}`] }) })
    .catch(() => []);
  await Promise.all(holders.map((h) => docker.getContainer(h.Id).remove({ force: true }).catch(() => undefined)));
  await docker
    .getVolume(name)
    .remove()
    .catch(() => undefined);
}

/**
 * One file of a bounded volume, read through its holder (which mounts the
 * volume at /held) with the archive API, so it works against a remote engine
 * and after the containers that wrote it have stopped. Null when the file does
 * not exist; at most `maxBytes` (a longer file is an error: the writer bounds it).
 */
export async function readVolumeFile(docker: Docker, volume: string, relPath: string, maxBytes: number): Promise<Buffer | null> {
  const holder = docker.getContainer(`${volume}-holder`);
  let archive: NodeJS.ReadableStream;
  try {
    archive = await holder.getArchive({ path: `/held/${relPath}` });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw err;
  }
  const extractor = extract();
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    extractor.on("entry", (header, stream, next) => {
      stream.on("data", (data: unknown) => {
        const chunk = data as Buffer;
        if (header.type !== "file") return;
        size += chunk.length;
        if (size > maxBytes) {
          reject(new Error(`${relPath} on volume ${volume} is larger than ${maxBytes} bytes`));
          stream.destroy();
          return;
        }
        chunks.push(chunk);
      });
      stream.on("end", next);
      stream.on("error", reject);
    });
    extractor.on("finish", resolve);
    extractor.on("error", reject);
    archive.on("error", reject);
    archive.pipe(extractor);
  });
  return Buffer.concat(chunks);
}
