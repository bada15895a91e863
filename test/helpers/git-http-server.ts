// The server lives with the benchmarks, which serve generated repositories with it too.
export { startGitHttpServer } from "../../bench/lib/git-http-server.js";
export type { GitHttpServer, GitHttpServerOptions } from "../../bench/lib/git-http-server.js";
