import { mapStrings } from "./map-strings.js";

/**
 * One guard for every text the app writes out (logs, the database outside the vault,
 * comments, check runs, pull request bodies, error messages): known secrets, in the
 * encodings they usually leak in, and anything shaped like a GitHub token, an Anthropic
 * key or a PEM private key become `[redacted]`.
 */

/** What a secret is replaced with. */
export const REDACTED = "[redacted]";

/** Shorter values are ignored: too likely to be ordinary text. */
export const MIN_SECRET_LENGTH = 8;

/** Temporary secrets (installation tokens, which expire after an hour) kept at most. */
export const DEFAULT_MAX_TEMPORARY_SECRETS = 200;

/** Size of one combined RegExp of literal secrets, in source characters. */
const MAX_PATTERN_CHARS = 16_000;

/** GitHub accepts an installation token as the password of this fixed user name. */
const TOKEN_USER = "x-access-token";

/**
 * Secrets recognised by their shape, known or not:
 * - PEM private keys, whole, or up to the end of the text when the END line was cut off;
 * - fine-grained personal access tokens, `github_pat_` + 22 + `_` + 59 (any longer body too);
 * - `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` tokens: 36 characters of body in the classic format,
 *   and the stateless installation tokens rolled out from April 2026 (`ghs_<app id>_<JWT>`,
 *   about 520 characters of `[A-Za-z0-9._-]`). A token is taken up to, not including, a
 *   trailing dot, so a sentence's full stop stays;
 * - Anthropic API keys;
 * - base64 (and base64url) of the above tokens and keys, and any `x-access-token:<password>`
 *   in base64: the Basic credential git sends for an installation token.
 */
export const SECRET_PATTERNS: readonly RegExp[] = [
  /-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|$)/,
  /github_pat_[A-Za-z0-9_]{22,}/,
  /gh[pousr]_(?=[A-Za-z0-9_.-]{36})[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*/,
  /sk-ant-[A-Za-z0-9_-]{20,}/,
  // base64 of "x-access-token:", of "gh?_", of "github_pat_" and of "sk-ant-", then the rest.
  /eC1hY2Nlc3MtdG9rZW46[A-Za-z0-9+/_-]{8,}={0,2}/,
  /Z2h[wv1zy]X[A-Za-z0-9+/_-]{40,}={0,2}/,
  /Z2l0aHViX3BhdF[A-Za-z0-9+/_-]{80,}={0,2}/,
  /c2stYW50L[A-Za-z0-9+/_-]{20,}={0,2}/,
];

/** Each shape, anchored: a form of a secret that one of them matches whole needs no literal. */
const WHOLE_SHAPES = SECRET_PATTERNS.map((pattern) => new RegExp(`^(?:${pattern.source})$`));

export interface AddSecretOptions {
  /**
   * A short-lived secret (an installation token): only the newest `maxTemporarySecrets` of
   * these are kept, so a long-running process does not grow its pattern forever. The token
   * shapes above still catch the older ones themselves.
   */
  readonly temporary?: boolean;
}

export interface Redactor {
  /** Redacts `value` (trimmed) and its common encodings from now on; ignored when shorter than 8 characters. */
  addSecret(value: string, options?: AddSecretOptions): void;
  redact(text: string): string;
  /** A copy of `value` with every string inside it (arrays, plain objects, errors) redacted. */
  redactDeep<T>(value: T): T;
}

export interface RedactorOptions {
  readonly secrets?: Iterable<string>;
  readonly maxTemporarySecrets?: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const matchesShape = (text: string) => WHOLE_SHAPES.some((shape) => shape.test(text));

/**
 * RegExp sources for a secret and the forms it leaks in: as is, JSON-escaped (a PEM's
 * newlines in a JSON log line), URL-encoded, base64 and base64url (with or without padding)
 * of the value and of `x-access-token:<value>` (git's Basic auth header), and for a
 * multi-line secret such as a PEM key each long line of it on its own (a partly printed
 * key). Forms a shape in SECRET_PATTERNS already matches whole are left out, so a token
 * learnt at run time costs nothing.
 */
export function buildSecretSources(secret: string): string[] {
  const value = secret.trim();
  if (value.length < MIN_SECRET_LENGTH) return [];
  const literals = new Set<string>([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  if (value.includes("\n")) {
    literals.add(value.replace(/\r?\n/g, "\r\n"));
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 32 && !trimmed.startsWith("-----")) literals.add(trimmed);
    }
  }
  const sources = [...literals].filter((form) => !matchesShape(form)).map(escapeRegExp);
  for (const bytes of [value, `${TOKEN_USER}:${value}`]) {
    const encoded = Buffer.from(bytes, "utf8").toString("base64");
    if (matchesShape(encoded)) continue;
    // One source for base64 and base64url, padded or not.
    sources.push(`${escapeRegExp(encoded.replace(/=+$/, "")).replace(/\\\+/g, "[+-]").replace(/\//g, "[/_]")}={0,2}`);
  }
  return [...new Set(sources)];
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const maxTemporary = options.maxTemporarySecrets ?? DEFAULT_MAX_TEMPORARY_SECRETS;
  /** Secret → its sources; permanent ones, then temporary ones oldest first. */
  const permanent = new Map<string, string[]>();
  const temporary = new Map<string, string[]>();
  let compiled: RegExp[] | undefined;

  /**
   * The literal sources longest first (a form containing another, such as a PEM key and one
   * of its lines, is replaced whole), in RegExps of bounded size: past a few tens of
   * kilobytes of alternatives V8's RegExp engine gets a hundred times slower. Every RegExp
   * ends with the shapes, so where a literal and a shape overlap the earlier start wins.
   */
  function compile(): RegExp[] {
    const literal = [...new Set([...permanent.values(), ...temporary.values()].flat())].sort((a, b) => b.length - a.length);
    const shapes = SECRET_PATTERNS.map((pattern) => pattern.source);
    const chunks: string[][] = [];
    let size = Infinity;
    for (const source of literal) {
      if (size + source.length > MAX_PATTERN_CHARS) {
        chunks.push([]);
        size = 0;
      }
      chunks.at(-1)!.push(source);
      size += source.length + 5;
    }
    if (chunks.length === 0) chunks.push([]);
    return chunks.map((sources) => new RegExp([...sources, ...shapes].map((source) => `(?:${source})`).join("|"), "g"));
  }

  function addSecret(secret: string, addOptions: AddSecretOptions = {}): void {
    const value = secret.trim();
    if (value.length < MIN_SECRET_LENGTH || permanent.has(value)) return;
    if (addOptions.temporary) {
      const sources = temporary.get(value);
      if (sources) {
        // Seen again: now the newest, nothing new to match.
        temporary.delete(value);
        temporary.set(value, sources);
        return;
      }
      const fresh = buildSecretSources(value);
      temporary.set(value, fresh);
      while (temporary.size > maxTemporary) {
        const oldest = temporary.keys().next().value as string;
        temporary.delete(oldest);
      }
      // A token the shapes cover adds nothing to match: keep the compiled patterns.
      if (fresh.length === 0) return;
    } else {
      const sources = temporary.get(value) ?? buildSecretSources(value);
      temporary.delete(value);
      permanent.set(value, sources);
    }
    compiled = undefined;
  }

  function redact(text: string): string {
    if (text.length < MIN_SECRET_LENGTH) return text;
    compiled ??= compile();
    let out = text;
    for (const pattern of compiled) out = out.replace(pattern, REDACTED);
    return out;
  }

  for (const secret of options.secrets ?? []) addSecret(secret);

  return {
    addSecret,
    redact,
    redactDeep: <T>(value: T): T => mapStrings(value, redact),
  };
}

/**
 * The process's redactor, for wiring convenience: main adds the app's secrets at start,
 * and installation tokens and provider keys are added as they appear.
 */
export const sharedRedactor: Redactor = createRedactor();
