import type { IncomingHttpHeaders } from "node:http";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * The run credential a request carries: `x-api-key` (what the SDK and CLI agents send as
 * their "API key"), else `Authorization: Bearer`; null when there is none. The value is not
 * checked here: the credential store refuses anything not shaped like one of its tokens.
 */
export function readRequestCredential(headers: IncomingHttpHeaders): string | null {
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization !== "string") return null;
  return BEARER.exec(authorization)?.[1] ?? null;
}
