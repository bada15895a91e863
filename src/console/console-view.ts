import type { ServerResponse } from "node:http";
import { Eta } from "eta";
import type { ConsoleContext } from "./console-request.js";
import { LAYOUT_TEMPLATE } from "./templates/layout.js";

/**
 * Server-rendered pages. Every interpolation is escaped, raw ones (`<%~ %>`) included: the only
 * markup that passes is a value made with `trustHtml`, which a reviewer can find by name.
 */

const TRUSTED = Symbol("trusted html");

/** Markup the app built itself (or a library that escapes, such as diff2html): passed through unescaped. */
export interface TrustedHtml {
  readonly [TRUSTED]: string;
}

export function trustHtml(html: string): TrustedHtml {
  return { [TRUSTED]: html };
}

function isTrustedHtml(value: unknown): value is TrustedHtml {
  return typeof value === "object" && value !== null && TRUSTED in value;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Bidirectional controls reorder the text around them ("Trojan source"): shown as their code
 * point, the text reads as it is stored.
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text as HTML that shows it as written: markup escaped, bidirectional controls made visible. */
export function escapeHtml(value: unknown): string {
  if (isTrustedHtml(value)) return value[TRUSTED];
  const text = value === undefined || value === null ? "" : String(value);
  return text
    .replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!)
    .replace(BIDI_CONTROLS, (char) => `[U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`);
}

/** A link target from stored data, only when it is an http(s) address: never `javascript:` or `data:`. */
export function safeHref(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

const eta = new Eta({
  autoEscape: true,
  escapeFunction: escapeHtml,
  autoTrim: [false, "nl"],
  // A raw interpolation is escaped like any other: markup passes only as TrustedHtml.
  plugins: [{ processAST: (ast) => ast.map((node) => (typeof node === "object" && node.t === "r" ? { ...node, t: "i" } : node)) }],
});

/** A template compiled once, at import; `T` is the data it reads as `it`. */
export interface ConsoleView<T extends object> {
  readonly name: string;
  render(data: T): string;
}

export function defineView<T extends object>(name: string, template: string): ConsoleView<T> {
  const compiled = eta.compile(template);
  return { name, render: (data) => compiled.call(eta, data) };
}

interface LayoutData {
  readonly title: string;
  readonly body: TrustedHtml;
  readonly user: ConsoleContext["user"] | null;
  readonly csrf: string | null;
  readonly styles: readonly string[];
  readonly scripts: readonly string[];
}

const layout = defineView<LayoutData>("layout", LAYOUT_TEMPLATE);

/** Browsers load nothing from elsewhere and run no inline script; pages are never framed. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers of every console answer: nothing cached, nothing sniffed, no referrer leaves the app. */
export function securityHeaders(): Record<string, string> {
  return {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
  };
}

export interface PageOptions<T extends object> {
  readonly title: string;
  readonly view: ConsoleView<T>;
  readonly data: T;
  readonly status?: number;
  /** Assets under /hamster/assets/ beside console.css and console.js, e.g. "diff2html.min.css". */
  readonly styles?: readonly string[];
  readonly scripts?: readonly string[];
}

/** Renders `view` inside the base layout and sends it. `ctx` null: a page for someone not signed in. */
export function sendPage<T extends object>(response: ServerResponse, ctx: Pick<ConsoleContext, "user" | "csrf"> | null, page: PageOptions<T>): void {
  const html = layout.render({
    title: page.title,
    body: trustHtml(page.view.render(page.data)),
    user: ctx?.user ?? null,
    csrf: ctx?.csrf ?? null,
    styles: page.styles ?? [],
    scripts: page.scripts ?? [],
  });
  response
    .writeHead(page.status ?? 200, { ...securityHeaders(), "content-type": "text/html; charset=utf-8", "content-length": String(Buffer.byteLength(html)) })
    .end(html);
}

const messageView = defineView<{ heading: string; message: string }>(
  "message",
  `<section class="message">
  <h1><%= it.heading %></h1>
  <p><%= it.message %></p>
</section>`,
);

/** A page with one message: not found, an error, the console not being configured. */
export function sendMessage(response: ServerResponse, ctx: Pick<ConsoleContext, "user" | "csrf"> | null, status: number, heading: string, message: string): void {
  sendPage(response, ctx, { title: heading, view: messageView, data: { heading, message }, status });
}

/** The one answer for what does not exist and for what is out of the user's reach. */
export function sendNotFound(response: ServerResponse, ctx: Pick<ConsoleContext, "user" | "csrf"> | null): void {
  sendMessage(response, ctx, 404, "Not found", "There is nothing here, or nothing you can see.");
}
