/**
 * A request that never got an answer: the name did not resolve, the connection was refused,
 * reset or timed out, or the server's certificate was refused. Octokit reports these as a
 * RequestError with status 500 and no response, the fetch error as its `cause`, and Node's
 * own error (`code`, `hostname`, `address`, `port`) as the cause of that.
 */
export interface NetworkFailure {
  /** Node's or undici's error code, e.g. `ENOTFOUND`; null when the error has none we know. */
  readonly code: string | null;
  /** The innermost error's message, for a failure without a known code. */
  readonly message: string;
  /** What the app tried to reach: `host` or `host:port`, when known. */
  readonly host: string | null;
  /** True when the request was one of Octokit's, i.e. to the GitHub API. */
  readonly toGitHub: boolean;
}

const EXPLANATIONS: Readonly<Record<string, string>> = {
  ENOTFOUND: "the name does not resolve",
  EAI_AGAIN: "the name could not be resolved for now",
  ECONNREFUSED: "the connection was refused",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed",
  UND_ERR_SOCKET: "the connection was closed",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no answer came in time",
  UND_ERR_BODY_TIMEOUT: "the answer stopped coming",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
};

const CERTIFICATE_CODES = new Set([
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Causes are followed this deep; a cycle or a very long chain ends the search. */
const MAX_CAUSE_DEPTH = 6;

type ErrorLike = Record<string, unknown>;

function asObject(value: unknown): ErrorLike | null {
  return typeof value === "object" && value !== null ? (value as ErrorLike) : null;
}

function isNetworkCode(code: unknown): code is string {
  return typeof code === "string" && (code in EXPLANATIONS || CERTIFICATE_CODES.has(code));
}

/** The host (and port, when not the scheme's) of a URL, or null. */
function hostOfUrl(url: unknown): string | null {
  if (typeof url !== "string") return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}

/** Where Node's error says it went: `hostname` for DNS, `address:port` for a connection, `host` for TLS. */
function hostOfNodeError(error: ErrorLike): string | null {
  if (typeof error.hostname === "string") return error.hostname;
  if (typeof error.address === "string") return typeof error.port === "number" ? `${error.address}:${error.port}` : error.address;
  if (typeof error.host === "string") return error.host;
  return null;
}

/** The network error inside `error` (itself, a cause, or one of an AggregateError's), or null. */
function findNodeError(error: ErrorLike): ErrorLike | null {
  let current: ErrorLike | null = error;
  for (let depth = 0; current && depth < MAX_CAUSE_DEPTH; depth++) {
    if (isNetworkCode(current.code)) {
      // Node reports a failed attempt on every address of a name as one AggregateError.
      const first = Array.isArray(current.errors) ? asObject(current.errors[0]) : null;
      return first && isNetworkCode(first.code) && !hostOfNodeError(current) ? first : current;
    }
    current = asObject(current.cause);
  }
  return null;
}

/** The innermost message of the cause chain. */
function innermostMessage(error: ErrorLike): string {
  let message = typeof error.message === "string" ? error.message : String(error);
  let current = asObject(error.cause);
  for (let depth = 0; current && depth < MAX_CAUSE_DEPTH; depth++) {
    if (typeof current.message === "string" && current.message !== "") message = current.message;
    current = asObject(current.cause);
  }
  return message;
}

/** The network failure behind `error`, or null when something answered (or it is not about the network). */
export function findNetworkFailure(error: unknown): NetworkFailure | null {
  const outer = asObject(error);
  // Octokit's RequestError: an answer has a response; a request that failed on the way has none.
  if (!outer || asObject(outer.response)) return null;
  const request = asObject(outer.request);
  const unanswered = typeof request?.url === "string" && typeof outer.status === "number";
  const cause = findNodeError(outer);
  if (!cause && !unanswered) return null;
  return {
    code: cause ? (cause.code as string) : null,
    message: innermostMessage(outer),
    host: hostOfUrl(request?.url) ?? (cause ? hostOfNodeError(cause) : null),
    toGitHub: unanswered,
  };
}

/** A failure reason for the person who asked for the run: what could not be reached, why, and what to check. */
export function renderNetworkFailure(failure: NetworkFailure): string {
  const where = failure.host ? `\`${failure.host}\`` : "a server it needs";
  if (failure.code && CERTIFICATE_CODES.has(failure.code)) {
    return `Hamster could not reach ${where}: the server's TLS certificate was not accepted (${failure.code}). If the server uses a certificate from your own certificate authority, give the app that authority's certificate through NODE_EXTRA_CA_CERTS; then retry.`;
  }
  const why = failure.code ? `${EXPLANATIONS[failure.code]} (${failure.code})` : `the request failed (${failure.message})`;
  const gitHubHint = failure.toGitHub ? " and that GHE_HOST (and GHE_PROTOCOL) name your GitHub server if you use GitHub Enterprise Server" : "";
  return `Hamster could not reach ${where}: ${why}. No answer came back: this is a network problem between the app's server and that host. Check the server's DNS, firewall and proxy settings${gitHubHint}; then retry.`;
}
