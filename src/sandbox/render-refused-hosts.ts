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

const MAX_LISTED = 10;

/**
 * " … Hamster's egress proxy refused a, b. … fix." for a failure message; "" when nothing
 * was refused. The fix names the entries that would let each refusal through: the host
 * when it is not listed, the address when a listed name leads to one that is not public.
 */
export function renderRefusedHosts(report: EgressReport, context: RefusalContext): string {
  if (report.refused.length === 0) return "";
  const shown = report.refused.slice(0, MAX_LISTED);
  const listed = shown.map((entry) => `${entry.host} (${entry.reason})`).join(", ");
  const more = report.refused.length > MAX_LISTED ? ` and ${report.refused.length - MAX_LISTED} more` : "";
  const entries = [...new Set(shown.flatMap((entry) => (entry.allowEntry === undefined ? [] : [entry.allowEntry])))];
  const network = `${context.networkSetting}=host`;
  const fix =
    entries.length === 0
      ? `an admin of the Hamster server can set ${network}`
      : `an admin of the Hamster server adds ${entries.join(", ")} to ${context.allowSetting} (comma-separated: host names, \`*.example.com\` for its subdomains, IP addresses or CIDR ranges such as 10.0.0.0/8, which listed names may then resolve to), or sets ${network}`;
  return ` ${context.reachOnly}, and Hamster's egress proxy refused: ${listed}${more}. If ${context.needer} needs them, ${fix}.`;
}
