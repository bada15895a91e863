import type { EgressReport } from "./egress-proxy.js";

/** Who the egress proxy stood in front of, and which settings widen or lift its allowlist. */
export interface RefusalContext {
  /** The start of the sentence: "Setup commands reach only the hosts an admin allowed". */
  readonly reachOnly: string;
  /** Who might need the refused hosts: "setup", "the agent". */
  readonly needer: string;
  /** The setting that lists more hosts: "HAMSTER_SETUP_ALLOW_HOSTS". */
  readonly allowSetting: string;
  /** The setting that gives the host's network instead: "HAMSTER_SETUP_NETWORK". */
  readonly networkSetting: string;
}

/** " … Hamster's egress proxy refused a, b. … fix." for a failure message; "" when nothing was refused. */
export function renderRefusedHosts(report: EgressReport, context: RefusalContext): string {
  if (report.refused.length === 0) return "";
  const listed = report.refused
    .slice(0, 10)
    .map((entry) => `${entry.host} (${entry.reason})`)
    .join(", ");
  const more = report.refused.length > 10 ? ` and ${report.refused.length - 10} more` : "";
  return ` ${context.reachOnly}, and Hamster's egress proxy refused: ${listed}${more}. If ${context.needer} needs them, an admin of the Hamster server adds them to ${context.allowSetting} (comma-separated; \`*.example.com\` allows its subdomains), or sets ${context.networkSetting}=host.`;
}
