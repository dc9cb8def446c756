// Adding a test entry (YAML, indented as an item of `tests:`) to the end of a
// suite's text, as the suite editor does with a converted Maelstrom command.
// Only where the text is YAML whose last top-level key is `tests:` (the shape
// every suite here is written in): the entry then lands in that list and the
// rest of the text is left exactly as staff wrote it. Anything else (JSON, a
// key after the tests) gives null, and the editor shows the entry to copy;
// an empty editor gets a suite of the one test.
// No imports: the browser runs it.

/** The source with the entry appended to its `tests:` list, or null when that list is not where the text ends. */
export function appendTestEntry(source: string, entry: string): string | null {
  if (source.trim() === "") return `version: 1\ntests:\n${entry.replace(/\n*$/, "")}\n`;
  const lines = source.replace(/\r\n/g, "\n").split("\n");
  // A top-level line: a key at column 0 (comments, blank lines and `---`/`...` markers aside).
  const topLevel = lines.filter((line) => /^[^\s#-]/.test(line) && !line.startsWith("..."));
  const last = topLevel[topLevel.length - 1];
  if (last === undefined || !/^tests\s*:\s*(#.*)?$/.test(last)) return null;
  const body = source.replace(/\s*$/, "");
  return `${body}\n${entry.replace(/\n*$/, "")}\n`;
}
