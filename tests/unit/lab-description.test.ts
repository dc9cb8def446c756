// Lab descriptions are staff-written Markdown shown to every student: the
// rendered HTML must never carry the author's raw HTML or script URLs.
import { describe, expect, it } from "vitest";
import { renderLabDescription } from "../../lib/labs/lab-description.js";

describe("renderLabDescription", () => {
  it("renders ordinary Markdown", () => {
    const html = renderLabDescription("# Echo\n\nSend `echo` and **expect** `echo_ok`.\n\n- one\n- two\n");
    expect(html).toContain("<h1>Echo</h1>");
    expect(html).toContain("<code>echo</code>");
    expect(html).toContain("<strong>expect</strong>");
    expect(html).toContain("<li>one</li>");
  });

  it.each([
    ["a script tag", "<script>alert(1)</script>", "<script"],
    ["an inline handler", '<img src=x onerror="alert(1)">', "<img"],
    ["an iframe inside a paragraph", "text <iframe src=//evil.example></iframe>", "<iframe"],
  ])("escapes raw HTML: %s", (_name, source, forbidden) => {
    const html = renderLabDescription(source);
    expect(html).not.toContain(forbidden);
    expect(html).toContain("&lt;");
  });

  it.each([
    ["javascript:", "[click](javascript:alert(1))"],
    ["vbscript:", "[click](vbscript:msgbox)"],
    ["data:", "[click](data:text/html;base64,PHNjcmlwdD4=)"],
    ["an unknown scheme", "[click](custom-app:do-something)"],
  ])("does not link %s URLs", (_name, source) => {
    expect(renderLabDescription(source)).not.toContain("<a ");
  });

  it("links http(s), mailto and relative URLs", () => {
    const html = renderLabDescription("[docs](https://example.org/x) [mail](mailto:staff@example.org) [lab](../labs/echo) [top](#top)");
    expect(html).toContain('href="https://example.org/x"');
    expect(html).toContain('href="mailto:staff@example.org"');
    expect(html).toContain('href="../labs/echo"');
    expect(html).toContain('href="#top"');
  });

  it("lets a keyboard reach (and scroll) every code block", () => {
    const html = renderLabDescription("```sh\ngo build -o node .\n```\n\n    indented code\n");
    expect(html.match(/<pre tabindex="0">/g)).toHaveLength(2);
  });
});
