import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CONSOLE_CSS } from "./assets/console-css.js";
import { CONSOLE_JS } from "./assets/console-js.js";

/**
 * The console's static files under /hamster/assets/: its own (kept as TS modules so that `npm run
 * build` puts them in dist/ with the rest), and diff2html's bundles from node_modules, the app's
 * own mirror of them (no CDN). Public: they hold nothing about anyone.
 */

interface Asset {
  readonly type: string;
  /** Read on first use. */
  readonly load: () => string | Buffer;
}

const CSS = "text/css; charset=utf-8";
const JS = "text/javascript; charset=utf-8";

/** Resolved through Node's own lookup, so it works from src/ (tests) and from dist/ (npm start) alike. */
function diff2htmlFile(relative: string): () => Buffer {
  return () => {
    const root = dirname(createRequire(import.meta.url).resolve("diff2html/package.json"));
    return readFileSync(join(root, relative));
  };
}

/** Name → file. A feature's own script or style sheet is one more line here. */
const ASSETS: Readonly<Record<string, Asset>> = {
  "console.css": { type: CSS, load: () => CONSOLE_CSS },
  "console.js": { type: JS, load: () => CONSOLE_JS },
  "diff2html.min.css": { type: CSS, load: diff2htmlFile("bundles/css/diff2html.min.css") },
  "diff2html.min.js": { type: JS, load: diff2htmlFile("bundles/js/diff2html.min.js") },
  "diff2html-ui.min.js": { type: JS, load: diff2htmlFile("bundles/js/diff2html-ui.min.js") },
  "diff2html-ui-slim.min.js": { type: JS, load: diff2htmlFile("bundles/js/diff2html-ui-slim.min.js") },
};

export const ASSET_PREFIX = "/hamster/assets/";

const loaded = new Map<string, { body: Buffer; etag: string }>();

function loadAsset(name: string): { body: Buffer; etag: string } | undefined {
  if (!Object.hasOwn(ASSETS, name)) return undefined;
  let entry = loaded.get(name);
  if (!entry) {
    const content = ASSETS[name]!.load();
    const body = typeof content === "string" ? Buffer.from(content, "utf8") : content;
    entry = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
    loaded.set(name, entry);
  }
  return entry;
}

/** Answers GET/HEAD /hamster/assets/<name>; 404 for a name it does not serve. */
export function serveAsset(request: IncomingMessage, response: ServerResponse, name: string): void {
  const asset = loadAsset(name);
  if (!asset || (request.method !== "GET" && request.method !== "HEAD")) {
    response.writeHead(404, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" }).end("Not found");
    return;
  }
  const headers = {
    "content-type": ASSETS[name]!.type,
    etag: asset.etag,
    "cache-control": "public, max-age=300, must-revalidate",
    "x-content-type-options": "nosniff",
  };
  if (request.headers["if-none-match"] === asset.etag) {
    response.writeHead(304, headers).end();
    return;
  }
  response.writeHead(200, { ...headers, "content-length": String(asset.body.length) });
  response.end(request.method === "HEAD" ? undefined : asset.body);
}
