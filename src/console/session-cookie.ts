import type { IncomingMessage } from "node:http";

/** The console's one cookie: the session id, for /hamster only, out of reach of scripts. */
export const SESSION_COOKIE = "hamster_session";

/** The session id the browser sent, if it looks like one of ours. */
export function readSessionCookie(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at === -1 || part.slice(0, at).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(at + 1).trim();
    if (/^[A-Za-z0-9_-]{20,100}$/.test(value)) return value;
  }
  return undefined;
}

/** Set-Cookie for a session id; Secure when the console is served over https. */
export function renderSessionCookie(id: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${SESSION_COOKIE}=${id}`,
    "Path=/hamster",
    "HttpOnly",
    "SameSite=Lax",
    ...(options.secure ? ["Secure"] : []),
    `Max-Age=${options.maxAgeSeconds}`,
  ].join("; ");
}

/** Set-Cookie that removes the session cookie. */
export function renderClearedSessionCookie(options: { secure: boolean }): string {
  return renderSessionCookie("", { ...options, maxAgeSeconds: 0 });
}
