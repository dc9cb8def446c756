// Reads a suite document (YAML, or JSON which is YAML too) and validates it.
// Every error names the line it is on, so staff editing in the browser can
// fix it without guessing. Aliases (*name) may repeat anchored values, but at
// most MAX_ALIAS_EXPANSIONS times over: a few hundred bytes of nested aliases
// (a "billion laughs") would otherwise expand to gigabytes.
import { sha256 } from "../blobs.js";
import { isNode, LineCounter, parseDocument, visit, type Alias, type Document } from "yaml";
import { suiteSpecSchema, type SuiteSpec } from "./schema.js";

export interface SuiteError {
  /** 1-based line, or null when the error concerns the whole document. */
  line: number | null;
  path: string;
  message: string;
}

export type ParsedSuite = { ok: true; spec: SuiteSpec; sourceHash: string } | { ok: false; errors: SuiteError[] };

/** How many values the document's aliases may stand for in all (the yaml package's maxAliasCount). */
const MAX_ALIAS_EXPANSIONS = 100;

/** The line of the first alias `pick` chooses, or null. */
function aliasLine(doc: Document, lineCounter: LineCounter, pick: (alias: Alias) => boolean): number | null {
  let line: number | null = null;
  visit(doc, {
    Alias(_key, alias) {
      if (!pick(alias)) return undefined;
      if (alias.range) line = lineCounter.linePos(alias.range[0]).line;
      return visit.BREAK;
    },
  });
  return line;
}

/** The document as plain data, or the suite error of an alias that cannot be expanded (a bomb, or no anchor). */
function plainData(doc: Document, lineCounter: LineCounter): { ok: true; data: unknown } | { ok: false; error: SuiteError } {
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) };
  } catch (err) {
    // The yaml package throws ReferenceError for both, saying which.
    if (!(err instanceof ReferenceError)) throw err;
    if (/excessive alias count/i.test(err.message)) {
      return {
        ok: false,
        error: {
          line: aliasLine(doc, lineCounter, () => true),
          path: "",
          message: `the suite repeats anchored values (*name) more than ${MAX_ALIAS_EXPANSIONS} times over; write the values out, or use fewer aliases`,
        },
      };
    }
    let name = "";
    const line = aliasLine(doc, lineCounter, (alias) => {
      name = alias.source;
      return alias.resolve(doc) === undefined;
    });
    return { ok: false, error: { line, path: "", message: `the alias *${name} names no anchor (&${name}) set before it` } };
  }
}

export function parseSuite(source: string): ParsedSuite {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((e) => ({ line: lineCounter.linePos(e.pos[0]).line, path: "", message: e.message.split("\n")[0] ?? e.message })),
    };
  }
  const data = plainData(doc, lineCounter);
  if (!data.ok) return { ok: false, errors: [data.error] };
  const result = suiteSpecSchema.safeParse(data.data);
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
