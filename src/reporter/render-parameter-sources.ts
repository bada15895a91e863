import { REPO_CONFIG_PATH } from "../config/repo-config.js";
import type { ParameterSource, ResolvedParameters } from "../domain/parameters.js";
import { inlineCode } from "./format.js";

const NAMES: Record<keyof ResolvedParameters, string> = { branch: "base", target: "target", agent: "agent", model: "model" };

/**
 * One line saying each parameter and where it came from, e.g.
 * "base `main` (repository default) · target `develop` (your /deliver) · agent `claude` (your preferences) · model `claude-sonnet-4-5` (.github/hamster.yml)".
 */
export function renderParameterSources(resolved: ResolvedParameters): string {
  return (["branch", "target", "agent", "model"] as const)
    .map((key) => `${NAMES[key]} ${inlineCode(resolved[key].value)} (${renderSource(key, resolved[key].source)})`)
    .join(" · ");
}

function renderSource(key: keyof ResolvedParameters, source: ParameterSource): string {
  switch (source) {
    case "command":
      return "your /deliver";
    case "preferences":
      return "your preferences";
    case "repository":
      return REPO_CONFIG_PATH;
    case "installation":
      return "installation defaults";
    case "default":
      // The default base (and so target) is the repository's default branch, not something the app picked.
      return key === "branch" || key === "target" ? "repository default" : "app default";
  }
}
