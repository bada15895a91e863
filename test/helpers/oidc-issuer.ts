export { startOidcIssuer } from "../../bench/lib/oidc-issuer.js";
export type { FakeTokenClaims, MintOptions, OidcIssuer, RequestCredentials } from "../../bench/lib/oidc-issuer.js";
