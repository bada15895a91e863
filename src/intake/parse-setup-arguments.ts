import type { ArgumentsParse } from "./command-line.js";
import { renderValue } from "./render-command-error.js";
import type { Token } from "./tokenize.js";

/** What `/hamster setup` sets up: the workflow that runs Hamster's runs on the repository's Actions runners. */
export const SETUP_TARGETS = ["actions"] as const;
export type SetupTarget = (typeof SETUP_TARGETS)[number];

export type SetupCommand = { kind: "setup"; target: SetupTarget };

/** `/hamster setup actions`: one target, nothing after it. */
export function parseSetupArguments(tokens: readonly Token[]): ArgumentsParse<SetupCommand> {
  const targets = SETUP_TARGETS.map((name) => `\`${name}\``).join(", ");
  const [target, ...rest] = tokens;
  if (target === undefined) return { ok: false, errors: [`\`/hamster setup\` needs what to set up; the choices are ${targets}`] };
  if (!isSetupTarget(target.value)) {
    return { ok: false, errors: [`unknown target ${renderValue(target.value)} of \`/hamster setup\`; the choices are ${targets}`] };
  }
  if (rest.length > 0) return { ok: false, errors: [`\`/hamster setup ${target.value}\` takes no arguments`] };
  return { ok: true, command: { kind: "setup", target: target.value } };
}

function isSetupTarget(value: string): value is SetupTarget {
  return (SETUP_TARGETS as readonly string[]).includes(value);
}
