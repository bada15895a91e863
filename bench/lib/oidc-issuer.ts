import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { ActionsTokenClaims } from "../../src/executors/actions/oidc-verifier.js";

/**
 * A fake of GitHub Actions' OIDC token service on 127.0.0.1: the issuer's discovery document
 * and JWKS (an RS256 key generated at start), and the endpoint a job asks for its token
 * (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). The issuer has a path,
 * as a GHES instance's `/_services/token` does, so that URLs are built from it, not from its origin.
 */

/** Claims for a fake token; unset ones get plausible defaults, and a claim set to undefined is left out. */
export type FakeTokenClaims = { readonly [K in keyof ActionsTokenClaims]?: ActionsTokenClaims[K] | undefined } & { readonly [claim: string]: unknown };

export interface MintOptions {
  /** The `aud` claim; the issuer's default audience otherwise. */
  readonly audience?: string;
  /** Seconds from now to `exp` (negative: already expired); 300 by default. */
  readonly expiresInSec?: number;
  /**
   * `issuer`: the key the JWKS publishes. `stranger`: another key under its own key id (a
   * token from elsewhere). `impostor`: another key under the issuer's key id (a forgery).
   */
  readonly signWith?: "issuer" | "stranger" | "impostor";
  /** The `iss` claim; this issuer otherwise. */
  readonly issuer?: string;
}

export interface RequestCredentials {
  /** Like GitHub's, it holds a query already: append `&audience=…`. */
  readonly requestUrl: string;
  readonly requestToken: string;
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>/_services/token`, without a trailing slash. */
  readonly issuer: string;
  /** The audience of tokens minted without one. */
  readonly defaultAudience: string;
  /** Requests answered so far, per document. */
  readonly discoveryRequests: number;
  readonly jwksRequests: number;
  readonly tokenRequests: number;
  /** A signed token with the given claims over the defaults. */
  mint(claims?: FakeTokenClaims, options?: MintOptions): Promise<string>;
  /** What a job's environment holds: each request with them answers a fresh token (new jti, exp in 5 minutes). */
  issueRequestCredentials(claims?: FakeTokenClaims): RequestCredentials;
  /** Answers the document with this HTTP status instead, until called with undefined. */
  fail(document: "discovery" | "jwks", status: number | undefined): void;
  close(): Promise<void>;
}

const ISSUER_PATH = "/_services/token";
const REQUEST_PATH = /^\/_apis\/idtoken\/([0-9a-f-]{36})$/;

export async function startOidcIssuer(options: { defaultAudience?: string } = {}): Promise<OidcIssuer> {
  const issuerKid = `issuer-${randomUUID()}`;
  const keys = {
    issuer: { ...(await generateKeyPair("RS256")), kid: issuerKid },
    stranger: { ...(await generateKeyPair("RS256")), kid: `stranger-${randomUUID()}` },
    impostor: { ...(await generateKeyPair("RS256")), kid: issuerKid },
  };
  const jwks = { keys: [{ ...(await exportJWK(keys.issuer.publicKey)), kid: keys.issuer.kid, alg: "RS256", use: "sig" }] };
  const credentials = new Map<string, { requestToken: string; claims: FakeTokenClaims }>();
  const failures: { discovery?: number | undefined; jwks?: number | undefined } = {};
  const counts = { discovery: 0, jwks: 0, token: 0 };
  const defaultAudience = options.defaultAudience ?? "https://hamster.example.test";
  let issuer = "";

  const mint = async (claims: FakeTokenClaims = {}, mintOptions: MintOptions = {}): Promise<string> => {
    const key = keys[mintOptions.signWith ?? "issuer"];
    const now = Math.floor(Date.now() / 1000);
    const payload = withoutUndefined({
      iss: mintOptions.issuer ?? issuer,
      aud: mintOptions.audience ?? defaultAudience,
      iat: now,
      nbf: now,
      exp: now + (mintOptions.expiresInSec ?? 300),
      ...buildDefaultClaims(claims),
      ...claims,
    });
    return new SignJWT(payload).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid }).sign(key.privateKey);
  };

  const answerTokenRequest = async (id: string, request: IncomingMessage, url: URL, response: ServerResponse) => {
    const entry = credentials.get(id);
    if (entry === undefined) return sendJson(response, 404, { message: "Not Found" });
    if (request.headers.authorization?.toLowerCase() !== `bearer ${entry.requestToken}`.toLowerCase()) {
      return sendJson(response, 401, { message: "Unauthorized" });
    }
    counts.token += 1;
    // Without an audience GitHub's default is the repository owner's URL.
    const owner = String(entry.claims.repository ?? DEFAULT_REPOSITORY).split("/")[0];
    const audience = url.searchParams.get("audience") ?? `https://github.com/${owner}`;
    sendJson(response, 200, { count: 1, value: await mint({ ...entry.claims, jti: randomUUID() }, { audience }) });
  };

  const server = createServer((request, response) => {
    request.resume();
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const serveDocument = (document: "discovery" | "jwks", body: unknown) => {
      counts[document] += 1;
      const status = failures[document];
      if (status !== undefined) return sendJson(response, status, { message: "The fake issuer is failing on purpose." });
      sendJson(response, 200, body);
    };
    if (request.method !== "GET") return sendJson(response, 405, { message: "Method Not Allowed" });
    if (url.pathname === `${ISSUER_PATH}/.well-known/openid-configuration`) {
      return serveDocument("discovery", {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ["public", "pairwise"],
        response_types_supported: ["id_token"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid"],
      });
    }
    if (url.pathname === `${ISSUER_PATH}/.well-known/jwks`) return serveDocument("jwks", jwks);
    const requestId = REQUEST_PATH.exec(url.pathname)?.[1];
    if (requestId !== undefined) {
      answerTokenRequest(requestId, request, url, response).catch((error: unknown) => sendJson(response, 500, { message: String(error) }));
      return;
    }
    sendJson(response, 404, { message: "Not Found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${origin}${ISSUER_PATH}`;

  return {
    issuer,
    defaultAudience,
    get discoveryRequests() {
      return counts.discovery;
    },
    get jwksRequests() {
      return counts.jwks;
    },
    get tokenRequests() {
      return counts.token;
    },
    mint,
    issueRequestCredentials(claims = {}) {
      const id = randomUUID();
      // Built at run time: no token-like literal in the repository.
      const requestToken = randomBytes(24).toString("base64url");
      credentials.set(id, { requestToken, claims });
      return { requestUrl: `${origin}/_apis/idtoken/${id}?api-version=2.0`, requestToken };
    },
    fail(document, status) {
      failures[document] = status;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const DEFAULT_REPOSITORY = "octo-org/octo-repo";

/** What GitHub puts in a token of a workflow_dispatch run of the Hamster workflow, on main. */
function buildDefaultClaims(claims: FakeTokenClaims): Record<string, unknown> {
  const repository = claims.repository ?? DEFAULT_REPOSITORY;
  const ref = claims.ref ?? "refs/heads/main";
  const workflowRef = `${repository}/.github/workflows/hamster.yml@${ref}`;
  return {
    sub: `repo:${repository}:ref:${ref}`,
    repository,
    repository_id: "123456",
    repository_owner: repository.split("/")[0],
    run_id: "1001",
    run_attempt: "1",
    run_number: "7",
    workflow: "Hamster",
    workflow_ref: workflowRef,
    job_workflow_ref: workflowRef,
    ref,
    ref_type: "branch",
    actor: "octocat",
    event_name: "workflow_dispatch",
    jti: randomUUID(),
  };
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}
