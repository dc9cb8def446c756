// Reads a suite document (YAML, or JSON which is YAML too) and validates it,
// strictly: a key the schema does not know, at any level, is a problem. Every
// problem names the line it is on and says in plain words what is wrong
// (problem-words.ts: "`fualts` is not a test setting; did you mean
// `faults`?"), so staff editing in the browser, over the API or with
// `labgrade suite check` fix it without guessing. Aliases (*name) may repeat
// anchored values, but at most MAX_ALIAS_EXPANSIONS times over: a few hundred
// bytes of nested aliases (a "billion laughs") would otherwise expand to
// gigabytes.
import { sha256 } from "../blobs.js";
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Alias, type Document } from "yaml";
import { checkSuiteCapabilities, type RunnerCapabilitySummary } from "./capabilities.js";
import { problemsOf } from "./problem-words.js";
import { authoredSuiteSchema, type SuiteSpec } from "./schema.js";

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

export interface ParseOptions {
  /**
   * What the runners can do (capabilities.ts): a fault none of them can apply
   * is a problem at its line. Absent or null: not checked (offline, or no
   * runner heard from).
   */
  capabilities?: RunnerCapabilitySummary | null;
}

export function parseSuite(source: string, opts: ParseOptions = {}): ParsedSuite {
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
  const result = authoredSuiteSchema.safeParse(data.data);
  const lineOf = (path: ReadonlyArray<string | number>, key?: string): number | null => {
    // A key's own line, when asked for one; else the deepest node of the path that exists in the document.
    if (key !== undefined) {
      const map = doc.getIn(path as Array<string | number>, true);
      if (isMap(map)) {
        const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
        if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
      }
    }
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth) as Array<string | number>, true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  if (result.success) {
    const spec = result.data as SuiteSpec;
    const unable = opts.capabilities ? checkSuiteCapabilities(spec, opts.capabilities) : [];
    if (unable.length === 0) return { ok: true, spec, sourceHash: sha256(source) };
    return {
      ok: false,
      errors: unable.map((p) => {
        const path = p.path.split(".").map((step) => (/^\d+$/.test(step) ? Number(step) : step));
        return { line: lineOf(path), path: p.path, message: p.message };
      }),
    };
  }
  const errors = problemsOf(result.error.issues, data.data).map((p) => ({ line: lineOf(p.path, p.key), path: [...p.path, ...(p.key ? [p.key] : [])].join("."), message: p.message }));
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, errors };
}
