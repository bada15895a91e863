import { describe, expect, it } from "vitest";
import { defineView, escapeHtml, safeHref, trustHtml } from "../../src/console/console-view.js";
import { HOSTILE_TEXTS } from "../helpers/console.js";

describe("console views", () => {
  it("escape every interpolation, raw ones too; only TrustedHtml passes as markup", () => {
    const view = defineView<{ text: unknown; html: unknown }>("test", "<p><%= it.text %></p><div><%~ it.html %></div>");
    expect(view.render({ text: HOSTILE_TEXTS.script, html: HOSTILE_TEXTS.script })).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><div>&lt;script&gt;alert(1)&lt;/script&gt;</div>",
    );
    expect(view.render({ text: HOSTILE_TEXTS.attribute, html: trustHtml("<b>built here</b>") })).toBe(
      "<p>&quot; onmouseover=&quot;alert(1)</p><div><b>built here</b></div>",
    );
  });

  it("show bidirectional controls as their code points, and nothing for null", () => {
    expect(escapeHtml(HOSTILE_TEXTS.bidi)).toBe("invoice[U+202E]txt.exe");
    expect(escapeHtml("a\u2066b\u200Fc")).toBe("a[U+2066]b[U+200F]c");
    expect(escapeHtml(null)).toBe("");
  });

  it("link only to http(s) addresses", () => {
    expect(safeHref("https://github.com/acme/widgets/issues/7")).toBe("https://github.com/acme/widgets/issues/7");
    for (const hostile of [HOSTILE_TEXTS.javascriptLink, "JaVaScRiPt:alert(1)", "data:text/html,<script>", "/relative", "", null]) {
      expect(safeHref(hostile)).toBeNull();
    }
  });
});
