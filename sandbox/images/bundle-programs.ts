// Bundles the programs we run inside sandbox containers (the node agent, the
// test controller and the lin-kv/seq-kv/lww-kv/lin-tso services) into single files for the images. They run under the
// host's node binary copied into each image.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const SANDBOX_PROGRAMS = {
  "agent.js": "sandbox/programs/agent/agent.ts",
  "controller.js": "sandbox/programs/controller/controller.ts",
  "services.js": "sandbox/programs/services/services.ts",
} as const;

/** File name inside /opt/labgrade → bundled JavaScript. */
export async function bundleSandboxPrograms(): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const [name, entry] of Object.entries(SANDBOX_PROGRAMS)) {
    const result = await build({
      entryPoints: [path.join(ROOT, entry)],
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      write: false,
      logLevel: "error",
      legalComments: "none",
    });
    out.set(name, Buffer.from(result.outputFiles[0]!.contents));
  }
  return out;
}
