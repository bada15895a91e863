/**
 * The direction of the layers (DESIGN.md): each layer imports only from layers below it.
 *   0 domain · 1 foundation · 2 adapters · 3 lifecycle · 4 edges · 5 composition
 * Run by `npm test` (npm run lint:deps); a cycle or an upward import fails it.
 */
const LAYERS = [
  ["domain"],
  ["git", "markdown", "security", "task", "http"],
  ["store", "workspace", "sandbox", "github", "config", "agent", "context"],
  ["lifecycle", "runner", "gateway", "executors"],
  ["intake", "reporter", "console", "server"],
  ["cli", "compose", "index\\.ts", "main\\.ts"],
];
const under = (names) => `^src/(${names.join("|")})(/|$)`;

const upward = LAYERS.slice(0, -1).map((layer, rank) => ({
  name: `no-upward-from-${layer[0].replace(/\\/g, "")}`,
  comment: `${layer.join(", ")} must not import from a higher layer`,
  severity: "error",
  from: { path: under(layer) },
  to: { path: under(LAYERS.slice(rank + 1).flat()) },
}));

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "a cycle is a design bug", severity: "error", from: {}, to: { circular: true } },
    ...upward,
    {
      name: "domain-imports-nothing",
      comment: "the shared vocabulary stands alone",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { pathNot: "^src/domain/" },
    },
    {
      name: "adapters-stay-put",
      comment: "the store and the GitHub adapters import nothing from intake, reporter or agent",
      severity: "error",
      from: { path: "^src/(store|github)/" },
      to: { path: "^src/(intake|reporter|agent)/" },
    },
    { name: "no-tests-in-src", severity: "error", from: { path: "^src/" }, to: { path: "^(test|bench)/" } },
    { name: "no-unresolvable", severity: "error", from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    // TypeScript 7 has no JS API: swc parses the sources; type-only imports count too.
    parser: "swc",
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    doNotFollow: { path: "node_modules" },
    // Packages as Node resolves them (some, such as @octokit/oauth-methods, have only `exports`, no `main`).
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"] },
    exclude: { path: "^(node_modules|dist)/" },
  },
};
