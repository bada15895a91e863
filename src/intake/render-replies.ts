import type { Run } from "../domain/run.js";
import type { PreferenceValues } from "../store/preference-store.js";
import { inlineCode } from "../reporter/format.js";
import { renderCommandHelp } from "./render-command-help.js";
import { REPO_CONFIG_PATH, renderRepoConfigReference } from "../config/repo-config.js";

export function renderPermissionDenied(login: string, role: string): string {
  return `@${login} Only people with write access to this repository can start Hamster runs (your access: ${role}). Ask a maintainer to add the \`hamster:deliver\` label or comment \`/deliver\`.`;
}

export function renderInvalidCommand(login: string, command: string, errors: readonly string[]): string {
  const name = `/${command}`;
  return [
    `@${login} I couldn't do that: the \`${name}\` command has ${errors.length === 1 ? "a problem" : "problems"}.`,
    "",
    ...errors.map((e) => `- ${e}`),
    "",
    renderCommandHelp(command),
  ].join("\n");
}

/** An installation default no longer holds (an agent this app no longer has): its admins fix it on the settings page. */
export function renderInvalidInstallationDefaults(login: string, errors: readonly string[], settingsUrl: string): string {
  return [
    `@${login} I couldn't start a run: this installation's defaults have ${errors.length === 1 ? "a problem" : "problems"}.`,
    "",
    ...errors.map((e) => `- ${e}`),
    "",
    `An admin of the installation can change them at ${settingsUrl}; a \`/deliver\` parameter or \`${REPO_CONFIG_PATH}\` can also override them.`,
  ].join("\n");
}

export function renderInvalidRepoConfig(login: string, errors: readonly string[]): string {
  return [
    `@${login} I couldn't start a run: the repository's \`${REPO_CONFIG_PATH}\` has ${errors.length === 1 ? "a problem" : "problems"}.`,
    "",
    ...errors.map((e) => `- ${e}`),
    "",
    "<details><summary>The keys it can hold</summary>",
    "",
    renderRepoConfigReference(),
    "",
    "</details>",
  ].join("\n");
}

export function renderMissingBranch(login: string, branch: string, repoFullName: string, which: "branch" | "target"): string {
  return `@${login} I couldn't start a run: the ${which === "branch" ? "base branch" : "target branch"} ${inlineCode(branch)} does not exist in ${repoFullName}. Check the name (it is case-sensitive) and comment \`/deliver ${which}=<existing-branch>\` again.`;
}

export function renderActiveRunExists(login: string, active: Run, statusUrl?: string): string {
  const where = statusUrl ? ` ([status](${statusUrl}))` : "";
  return `@${login} Run #${active.id} is already ${active.state} for this task${where}. Only one run per task can be active: wait for it to finish, then trigger again.`;
}

export function renderAgentCannotStart(login: string, reason: string): string {
  return `@${login} Hamster did not start the run: ${reason}`;
}

export function renderUnsupported(login: string, message: string): string {
  return `@${login} ${message}`;
}

export function renderPreferences(login: string, values: PreferenceValues | null, what: "saved" | "reset" | "show"): string {
  const lead =
    what === "saved" ? `@${login} Saved your delivery preferences for this installation.` : what === "reset" ? `@${login} Cleared your delivery preferences.` : `@${login} Your delivery preferences for this installation:`;
  const entries = Object.entries(values ?? {}).filter(([, v]) => v !== undefined);
  const list = entries.length > 0 ? entries.map(([k, v]) => `- \`${k}\`: ${inlineCode(String(v))}`).join("\n") : "- none saved: runs use `.github/hamster.yml`, then the app's defaults";
  return `${lead}\n\n${list}\n\nA \`/deliver\` or the label uses, in order: the command's parameters, these preferences, the repository's \`.github/hamster.yml\`, the app's defaults. Change them with \`/hamster prefs agent=… branch=… model=…\`, clear them with \`/hamster prefs reset\`.`;
}
