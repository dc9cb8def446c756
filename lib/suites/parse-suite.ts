// Reads a suite document (YAML, or JSON which is YAML too) and validates it.
// Every error names the line it is on, so staff editing in the browser can
// fix it without guessing.
import { sha256 } from "../blobs.js";
import { isNode, LineCounter, parseDocument } from "yaml";
import { suiteSpecSchema, type SuiteSpec } from "./schema.js";

export interface SuiteError {
  /** 1-based line, or null when the error concerns the whole document. */
  line: number | null;
  path: string;
  message: string;
}

export type ParsedSuite = { ok: true; spec: SuiteSpec; sourceHash: string } | { ok: false; errors: SuiteError[] };

export function parseSuite(source: string): ParsedSuite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ line: lineCounter.linePos(e.pos[0]).line, path: "", message: e.message.split("\n")[0] ?? e.message })),
    };
  }
  const result = suiteSpecSchema.safeParse(doc.toJS());
  if (result.success) return { ok: true, spec: result.data, sourceHash: sha256(source) };
  return {
    ok: false,
    errors: result.error.issues.map((issue) => {
      // Point at the deepest node of the path that exists in the document.
      let line: number | null = null;
      for (let depth = issue.path.length; depth >= 0 && line === null; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as Array<string | number>, true);
        if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
      }
      return { line, path: issue.path.join("."), message: issue.message };
    }),
  };
}
