// Lab descriptions are Markdown written by course staff and shown to every
// student, so they are rendered safely: raw HTML in the source is escaped
// (markdown-it's `html: false`), and links may only use http(s), mailto or
// relative URLs (markdown-it's validateLink already refuses javascript:,
// vbscript:, file: and non-image data: URLs; this narrows it further).
import MarkdownIt from "markdown-it";

const ALLOWED_LINK = /^(https?:|mailto:|#|\/|\.\.?\/|[^:]*$)/i;

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
markdown.validateLink = (url) => ALLOWED_LINK.test(url.trim());

// A code block scrolls sideways when its lines are long; tabindex lets a keyboard scroll it too.
for (const rule of ["fence", "code_block"] as const) {
  const render = markdown.renderer.rules[rule]!;
  markdown.renderer.rules[rule] = (...args) => render(...args).replace(/^<pre\b/, '<pre tabindex="0"');
}

// The lab page renders its description on every view; the same text renders
// to the same HTML, so the newest few are kept (a Map in insertion order).
const rendered = new Map<string, string>();
const KEPT = 64;

/** The description as HTML that is safe to insert into a page. */
export function renderLabDescription(source: string): string {
  let html = rendered.get(source);
  if (html === undefined) {
    html = markdown.render(source);
    if (rendered.size >= KEPT) rendered.delete(rendered.keys().next().value!);
  }
  rendered.delete(source);
  rendered.set(source, html);
  return html;
}
