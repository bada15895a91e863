import { EXECUTOR_NAMES, type ExecutorName } from "../domain/executor-name.js";
import { parseBranchName } from "../git/ref-name.js";
import { findHiddenRanges, isInRanges, normalizeLineEndings, parseMarkdown } from "../markdown/parse-markdown.js";
import type { PreferenceValues } from "../store/preference-store.js";
import { parseQuotedString, readToken, type Token } from "./tokenize.js";

/** The command words the app answers to, written `/word` at the start of a line. */
export const COMMAND_NAMES = ["deliver", "cancel", "retry", "runs", "hamster"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export const DELIVER_PARAMETER_KEYS = ["branch", "target", "agent", "model", "executor", "repo"] as const;
export type DeliverParameterKey = (typeof DELIVER_PARAMETER_KEYS)[number];

/** The keys `/hamster prefs key=value` accepts: a target branch depends on the repository, so it is not a personal default. */
export const PREFERENCE_KEYS = ["agent", "branch", "model"] as const satisfies readonly (keyof PreferenceValues & DeliverParameterKey)[];

export interface DeliverParams {
  branch?: string;
  target?: string;
  agent?: string;
  model?: string;
  executor?: ExecutorName;
  /** `owner/name`: the repository of the installation the code is in, when not the issue's own. */
  repo?: string;
}

export type SlashCommand =
  /** `all`: `/deliver all` on a brief, which delivers each of its tasks in order. */
  | { kind: "deliver"; params: DeliverParams; instructions: string; all?: true }
  | { kind: "cancel" }
  | { kind: "retry" }
  | { kind: "runs" }
  | { kind: "prefs"; action: "show" }
  | { kind: "prefs"; action: "reset" }
  | { kind: "prefs"; action: "set"; values: PreferenceValues }
  | { kind: "setup"; target: SetupTarget }
  /** `/hamster import <path> [tag=<name>]`: a Task Master tasks file of the repository, as the brief's tasks. */
  | { kind: "import"; path: string; tag?: string };

export type SlashCommandParse =
  | { kind: "none" }
  | { kind: "ok"; command: SlashCommand }
  /** `command` is the command word without its slash, for `renderCommandHelp`. */
  | { kind: "invalid"; command: CommandName; errors: string[] };

/** What `/hamster setup` sets up: the workflow that runs Hamster's runs on the repository's Actions runners. */
export const SETUP_TARGETS = ["actions"] as const;
export type SetupTarget = (typeof SETUP_TARGETS)[number];

export interface SlashCommandOptions {
  /** Agents a user may pick with `agent=`; defaults to the built-in one. */
  knownAgents?: readonly string[];
  /** The commands to look for; lines starting with any other word are prose. Defaults to all of them. */
  commands?: readonly CommandName[];
}

export const DEFAULT_KNOWN_AGENTS: readonly string[] = ["claude"];
export const MAX_INSTRUCTIONS_LENGTH = 20_000;

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const REPOSITORY_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
// A command word as GitHub users type it: at a line start (up to 3 spaces, as markdown
// allows before a paragraph), followed by whitespace or the end of the line.
const COMMAND_LINE = /^ {0,3}\/([a-z][a-z0-9-]*)(?=\s|$)/;
// A parameter starts with an unquoted lowercase key and "="; anything else begins free text.
const PARAMETER_START = /^[a-z][a-z_-]*=/;

/**
 * Finds the first command in a comment or issue body and parses it. Only that first
 * command counts: the rest of the body is its instructions (`/deliver`) or prose.
 * Commands inside code, block quotes or HTML (comments included) do not count: the author
 * did not issue them. Every problem with the command is reported, not just the first.
 */
export function parseSlashCommand(body: string, options: SlashCommandOptions = {}): SlashCommandParse {
  const found = findCommandLine(normalizeLineEndings(body), options.commands ?? COMMAND_NAMES);
  if (found === null) return { kind: "none" };
  const knownAgents = options.knownAgents ?? DEFAULT_KNOWN_AGENTS;
  const parsed = parseCommandArguments(found, knownAgents);
  return parsed.ok ? { kind: "ok", command: parsed.command } : { kind: "invalid", command: found.name, errors: parsed.errors };
}

type ArgumentsParse = { ok: true; command: SlashCommand } | { ok: false; errors: string[] };

function parseCommandArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse {
  switch (found.name) {
    case "deliver":
      return parseDeliverArguments(found, knownAgents);
    case "cancel":
    case "retry":
    case "runs":
      return parseBareCommand(found, found.name);
    case "hamster":
      return parseHamsterArguments(found, knownAgents);
  }
}

interface CommandLine {
  readonly name: CommandName;
  /** The whole line holding the command. */
  readonly line: string;
  /** Offset in `line` just past the command word. */
  readonly argumentsStart: number;
  /** Everything after the command line, or null when the command is on the last line. */
  readonly followingText: string | null;
}

function findCommandLine(text: string, names: readonly CommandName[]): CommandLine | null {
  let hiddenRanges: ReturnType<typeof findHiddenRanges> | null = null;
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf("\n", lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    const match = COMMAND_LINE.exec(line);
    const name = match?.[1];
    if (match && name !== undefined && isCommandName(name, names)) {
      // Parsing is deferred until a candidate line exists: most comments have none.
      hiddenRanges ??= findHiddenRanges(parseMarkdown(text));
      const slashOffset = lineStart + match[0].indexOf("/");
      if (!isInRanges(slashOffset, hiddenRanges)) {
        return { name, line, argumentsStart: match[0].length, followingText: newline === -1 ? null : text.slice(newline + 1) };
      }
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return null;
}

// `/deliver all`: the word right after the command, before any parameter.
const ALL_WORD = /^\s+all(?=\s|$)/;

/** `/deliver [all] [key=value ...] [free-text instructions, which may go on over the following lines]`. */
function parseDeliverArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse {
  const errors: string[] = [];
  const params: DeliverParams = {};
  const addParameter = createParameterCollector(DELIVER_GRAMMAR, params, knownAgents, errors);
  const line = found.line.slice(found.argumentsStart);
  const all = ALL_WORD.exec(line);
  const argumentsText = all ? line.slice(all[0].length) : line;

  // Tokenize only the key=value prefix: the free text after it is kept raw, so an
  // apostrophe in "don't" is never mistaken for an opening quote.
  let cursor = 0;
  let freeTextStart = argumentsText.length;
  for (;;) {
    const tokenStart = skipWhitespace(argumentsText, cursor);
    if (tokenStart >= argumentsText.length) break;
    if (!PARAMETER_START.test(argumentsText.slice(tokenStart))) {
      freeTextStart = tokenStart;
      break;
    }
    const read = readToken(argumentsText, tokenStart);
    if (!read.ok) {
      errors.push(renderQuoteError(found, line, read.offset + (all?.[0].length ?? 0)));
      break;
    }
    if (read.token === null) break;
    addParameter(argumentsText, read.token);
    cursor = read.token.end;
  }

  const instructions = renderInstructions(argumentsText.slice(freeTextStart), found.followingText);
  if (instructions.length > MAX_INSTRUCTIONS_LENGTH) {
    errors.push(
      `instructions are ${instructions.length.toLocaleString("en-US")} characters long; ` +
        `the limit is ${MAX_INSTRUCTIONS_LENGTH.toLocaleString("en-US")}`,
    );
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, command: { kind: "deliver", params, instructions, ...(all ? { all: true as const } : {}) } };
}

/** `/cancel`, `/retry`, `/runs`: nothing may follow on the command's line. */
function parseBareCommand(found: CommandLine, name: "cancel" | "retry" | "runs"): ArgumentsParse {
  const rest = found.line.slice(found.argumentsStart).trim();
  if (rest !== "") return { ok: false, errors: [`\`/${name}\` takes no arguments (found ${renderValue(rest)})`] };
  return { ok: true, command: { kind: name } };
}

const HAMSTER_SUBCOMMANDS = ["prefs", "setup", "import"] as const;

/** `/hamster prefs`, `/hamster prefs reset`, `/hamster prefs key=value ...`, `/hamster setup actions`, `/hamster import <path>`. */
function parseHamsterArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse {
  const argumentsText = found.line.slice(found.argumentsStart);
  const { tokens, error: quoteError } = readAllTokens(found, argumentsText);
  // Problems are listed in the order they appear on the line; an unterminated quote ends it.
  const withQuoteError = (errors: string[]): ArgumentsParse => ({ ok: false, errors: quoteError === null ? errors : [...errors, quoteError] });
  const [subcommand, ...rest] = tokens;
  const subcommands = HAMSTER_SUBCOMMANDS.map((name) => `\`${name}\``).join(", ");
  if (subcommand === undefined) {
    // An unterminated quote already explains why no subcommand was read.
    return withQuoteError(quoteError === null ? [`\`/hamster\` needs a subcommand; the subcommands are ${subcommands}`] : []);
  }
  if (subcommand.value === "setup") {
    const setup = parseSetupArguments(rest);
    if (quoteError === null) return setup;
    // With nothing read after `setup`, the quote is the only problem to tell.
    return withQuoteError(setup.ok || rest.length === 0 ? [] : setup.errors);
  }
  if (subcommand.value === "import") {
    const parsed = parseImportArguments(argumentsText, rest);
    if (quoteError === null) return parsed;
    return withQuoteError(parsed.ok || rest.length === 0 ? [] : parsed.errors);
  }
  if (subcommand.value !== "prefs") {
    return withQuoteError([`unknown subcommand ${renderValue(subcommand.value)} of \`/hamster\`; the subcommands are ${subcommands}`]);
  }
  if (rest[0]?.value === "reset" && !rest[0].quoted) {
    if (rest.length > 1) return withQuoteError(["`/hamster prefs reset` takes no arguments"]);
    return quoteError === null ? { ok: true, command: { kind: "prefs", action: "reset" } } : withQuoteError([]);
  }
  const errors: string[] = [];
  const values: PreferenceValues = {};
  const addPreference = createParameterCollector(PREFERENCE_GRAMMAR, values, knownAgents, errors);
  for (const token of rest) {
    if (PARAMETER_START.test(argumentsText.slice(token.start, token.end))) {
      addPreference(argumentsText, token);
    } else {
      errors.push(`expected key=value or \`reset\` after \`/hamster prefs\`, but got ${renderValue(token.value)}`);
    }
  }
  if (errors.length > 0 || quoteError !== null) return withQuoteError(errors);
  if (rest.length === 0) return { ok: true, command: { kind: "prefs", action: "show" } };
  return { ok: true, command: { kind: "prefs", action: "set", values } };
}

/** `/hamster setup actions`: one target, nothing after it. */
function parseSetupArguments(tokens: readonly Token[]): ArgumentsParse {
  const targets = SETUP_TARGETS.map((name) => `\`${name}\``).join(", ");
  const [target, ...rest] = tokens;
  if (target === undefined) return { ok: false, errors: [`\`/hamster setup\` needs what to set up; the choices are ${targets}`] };
  if (!isSetupTarget(target.value)) {
    return { ok: false, errors: [`unknown target ${renderValue(target.value)} of \`/hamster setup\`; the choices are ${targets}`] };
  }
  if (rest.length > 0) return { ok: false, errors: [`\`/hamster setup ${target.value}\` takes no arguments`] };
  return { ok: true, command: { kind: "setup", target: target.value } };
}

/** Where Task Master keeps its tasks, the example `/hamster import` help gives. */
export const TASK_MASTER_FILE = ".taskmaster/tasks/tasks.json";
const MAX_IMPORT_PATH_LENGTH = 500;
const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** `/hamster import <path> [tag=<name>]`: a path in the repository, and optionally the Task Master tag to read. */
function parseImportArguments(argumentsText: string, tokens: readonly Token[]): ArgumentsParse {
  const [pathToken, ...rest] = tokens;
  if (pathToken === undefined) return { ok: false, errors: [`\`/hamster import\` needs the path of a Task Master tasks file, such as \`${TASK_MASTER_FILE}\``] };
  const errors: string[] = [];
  const path = pathToken.value.replace(/^\.\//, "");
  if (path === "" || path.length > MAX_IMPORT_PATH_LENGTH || path.startsWith("/") || path.split("/").includes("..") || /[\\\0]/.test(path)) {
    errors.push(`${renderValue(pathToken.value)} is not a path in this repository`);
  }
  let tag: string | undefined;
  for (const token of rest) {
    const text = argumentsText.slice(token.start, token.end);
    const value = token.value.startsWith("tag=") ? token.value.slice("tag=".length) : null;
    if (!text.startsWith("tag=") || value === null) errors.push(`expected \`tag=<name>\` after the path, but got ${renderValue(token.value)}`);
    else if (!TAG_NAME.test(value)) errors.push(`${renderValue(value)} is not a Task Master tag name`);
    else if (tag !== undefined) errors.push("`tag` is given twice");
    else tag = value;
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, command: { kind: "import", path, ...(tag !== undefined ? { tag } : {}) } };
}

function isSetupTarget(value: string): value is SetupTarget {
  return (SETUP_TARGETS as readonly string[]).includes(value);
}

/** Every token of `text`, up to an unterminated quote, which is returned as the error that ends the reading. */
function readAllTokens(found: CommandLine, text: string): { tokens: Token[]; error: string | null } {
  const tokens: Token[] = [];
  let cursor = 0;
  for (;;) {
    const read = readToken(text, cursor);
    if (!read.ok) return { tokens, error: renderQuoteError(found, text, read.offset) };
    if (read.token === null) return { tokens, error: null };
    tokens.push(read.token);
    cursor = read.token.end;
  }
}

/** Which keys a command takes, and what its error messages call them. */
interface ParameterGrammar<Key extends DeliverParameterKey> {
  readonly noun: string;
  readonly keys: readonly Key[];
}

const DELIVER_GRAMMAR: ParameterGrammar<DeliverParameterKey> = { noun: "parameter", keys: DELIVER_PARAMETER_KEYS };
const PREFERENCE_GRAMMAR: ParameterGrammar<(typeof PREFERENCE_KEYS)[number]> = { noun: "preference", keys: PREFERENCE_KEYS };

/**
 * Returns a function that checks one `key=value` token (its raw text starts with
 * `PARAMETER_START`) and stores its value in `values`, or adds the problem to `errors`.
 */
function createParameterCollector<Key extends DeliverParameterKey>(
  grammar: ParameterGrammar<Key>,
  values: { [K in Key]?: string },
  knownAgents: readonly string[],
  errors: string[],
): (text: string, token: Token) => void {
  // Keys seen so far, valid or not: a second "branch=" is a duplicate even if the first was rejected.
  const seenKeys = new Set<string>();
  return (text, token) => {
    const raw = text.slice(token.start, token.end);
    const key = raw.slice(0, raw.indexOf("="));
    // The key is plain lowercase letters, so the value is what follows it in the unquoted token.
    const value = token.value.slice(key.length + 1);
    if (!(grammar.keys as readonly string[]).includes(key)) {
      errors.push(`unknown ${grammar.noun} "${key}"; the ${grammar.noun}s are ${grammar.keys.join(", ")}`);
      return;
    }
    if (seenKeys.has(key)) {
      errors.push(`${grammar.noun} "${key}" is given more than once`);
      return;
    }
    seenKeys.add(key);
    if (value === "") {
      errors.push(`${grammar.noun} "${key}" has an empty value`);
      return;
    }
    const problem = findValueProblem(key as Key, value, knownAgents);
    if (problem !== null) {
      errors.push(problem);
      return;
    }
    values[key as Key] = value;
  };
}

/** Checks saved-preference values by the rules `/hamster prefs key=value` applies (the console's form uses them too). */
export function findPreferenceProblems(values: PreferenceValues, knownAgents: readonly string[]): string[] {
  return PREFERENCE_KEYS.flatMap((key) => {
    const value = values[key];
    if (value === undefined) return [];
    return [findValueProblem(key, value, knownAgents)].filter((problem) => problem !== null);
  });
}

function findValueProblem(key: DeliverParameterKey, value: string, knownAgents: readonly string[]): string | null {
  switch (key) {
    case "branch":
    case "target": {
      const branch = parseBranchName(value);
      return branch.ok ? null : `${key} ${renderValue(value)} is not a valid branch name: ${branch.reason}`;
    }
    case "agent":
      if (knownAgents.includes(value)) return null;
      return knownAgents.length === 0
        ? `unknown agent ${renderValue(value)}; no agents are available`
        : `unknown agent ${renderValue(value)}; the agents are ${knownAgents.join(", ")}`;
    case "model":
      return MODEL_NAME.test(value)
        ? null
        : `model ${renderValue(value)} is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`;
    case "executor":
      return (EXECUTOR_NAMES as readonly string[]).includes(value) ? null : `unknown executor ${renderValue(value)}; the executors are ${EXECUTOR_NAMES.join(", ")}`;
    case "repo":
      return REPOSITORY_NAME.test(value) ? null : `repo ${renderValue(value)} is not a repository: write it as owner/name`;
  }
}

function renderQuoteError(found: CommandLine, argumentsText: string, offset: number): string {
  const kind = argumentsText[offset] === "'" ? "single" : "double";
  return `unterminated ${kind} quote at column ${found.argumentsStart + offset + 1} of the /${found.name} line`;
}

function renderInstructions(lineRest: string, followingText: string | null): string {
  const raw = (followingText === null ? lineRest : `${lineRest}\n${followingText}`).trim();
  // `/deliver "Do this"` means the words, not the quotes.
  return parseQuotedString(raw) ?? raw;
}

function isCommandName(name: string, names: readonly CommandName[]): name is CommandName {
  return (names as readonly string[]).includes(name);
}

/** A value as shown in an error: JSON-quoted so control characters are visible, long ones cut. */
function renderValue(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}

function skipWhitespace(text: string, offset: number): number {
  let index = offset;
  while (index < text.length && /\s/u.test(text[index] ?? "")) index += 1;
  return index;
}

// ---- Help -------------------------------------------------------------------------------

const PARAMETER_MEANINGS: Record<DeliverParameterKey, string> = {
  branch: "Branch to start the work from",
  target: "Branch the pull request is opened against",
  agent: "Which coding agent does the work, e.g. `claude`.",
  model: "Model name passed to the agent, e.g. `claude-sonnet-4-5`.",
  executor: "Where the run executes: `local`, `process`, or `actions` (a GitHub Actions job of this repository).",
  repo: "The repository, of this app's installation, the code is in (`owner/name`) when it is not this one; the pull request there closes this issue.",
};

const WHERE_TO_WRITE = "Write the command at the start of a line, outside code blocks and quotes; only the first command in a comment counts.";

/**
 * Markdown help for one command (`"deliver"`, `"/deliver"`, `"hamster prefs"` …), or an
 * overview of all commands when `command` is absent or not a command the app knows.
 */
export function renderCommandHelp(command?: string): string {
  const name = command?.trim().replace(/^\//, "").split(/\s/)[0] ?? "";
  switch (name) {
    case "deliver":
      return renderDeliverHelp();
    case "cancel":
      return renderBareCommandHelp("cancel", "Stops the task's active run; on a brief, every active run of its tasks.");
    case "retry":
      return renderBareCommandHelp("retry", "Starts the task again with the parameters of its last run; on a brief, its failed tasks.");
    case "runs":
      return renderBareCommandHelp("runs", "Lists the task's runs in one comment, which is updated each time you ask.");
    case "hamster":
    case "prefs":
    case "setup":
    case "import":
      return renderHamsterHelp();
    default:
      return renderCommandOverview();
  }
}

function renderDeliverHelp(): string {
  return [
    "**Usage:** `/deliver [all] [key=value ...] [instructions]`",
    "",
    "Write the command at the start of a line. Parameters come first; everything after them,",
    "including the following lines, is passed to the agent as extra instructions.",
    'Quote values that contain spaces: `key="a value"`.',
    "",
    "| Parameter | Meaning |",
    "| --- | --- |",
    `| \`branch\` | ${PARAMETER_MEANINGS.branch} (default: the repository's default branch). |`,
    `| \`target\` | ${PARAMETER_MEANINGS.target} (default: the same as \`branch\`). |`,
    `| \`agent\` | ${PARAMETER_MEANINGS.agent} |`,
    `| \`model\` | ${PARAMETER_MEANINGS.model} |`,
    `| \`executor\` | ${PARAMETER_MEANINGS.executor} (default: \`executor\` in \`.github/hamster.yml\`, else the app's). |`,
    `| \`repo\` | ${PARAMETER_MEANINGS.repo} |`,
    "",
    "Parameters you leave out come from your saved preferences, then from `.github/hamster.yml`,",
    "then from the app's defaults.",
    "",
    "`/deliver all` on a brief (an issue whose sub-issues, or the issues its task list names, are its tasks)",
    "delivers every task in the order their dependencies give, a few at a time (`brief.parallel`), each with",
    "the same parameters and instructions, and keeps a plan table on the brief up to date.",
    "",
    "**Examples:**",
    "",
    "```",
    "/deliver",
    "/deliver all",
    "/deliver branch=main target=develop agent=claude Add retries to the HTTP client",
    "```",
  ].join("\n");
}

function renderBareCommandHelp(name: "cancel" | "retry" | "runs", meaning: string): string {
  return [`**Usage:** \`/${name}\``, "", `${meaning} The command takes no arguments.`, "", WHERE_TO_WRITE].join("\n");
}

const IMPORT_MEANING =
  "On a brief issue: makes each task of a Task Master tasks file (`tag=` picks a tag; default `master`) a sub-issue of the brief, with its dependencies. Importing again updates the same issues.";

const SETUP_ACTIONS_MEANING =
  "Opens a pull request that adds `.github/workflows/hamster.yml`, the workflow that runs Hamster's runs on this repository's GitHub Actions runners.";

/** `/hamster`'s subcommands: the preferences, the setup of Actions runners, the import of a plan. */
function renderHamsterHelp(): string {
  return [
    "**Usage:** `/hamster prefs`, `/hamster prefs key=value ...`, `/hamster prefs reset`, `/hamster setup actions`, `/hamster import <path> [tag=<name>]`",
    "",
    "Your preferences fill in the parameters you leave out of `/deliver` (and apply when you add the",
    "`hamster:deliver` label), before `.github/hamster.yml` and the app's defaults. They are yours",
    "alone, in every repository where this app is installed for the same account.",
    "",
    "| Command | What it does |",
    "| --- | --- |",
    "| `/hamster prefs` | Shows your saved preferences. |",
    "| `/hamster prefs key=value ...` | Saves the preferences given; the others stay as they are. |",
    "| `/hamster prefs reset` | Deletes all your saved preferences. |",
    `| \`/hamster setup actions\` | ${SETUP_ACTIONS_MEANING} |`,
    `| \`/hamster import <path> [tag=<name>]\` | ${IMPORT_MEANING} |`,
    "",
    "| Preference | Meaning |",
    "| --- | --- |",
    ...PREFERENCE_KEYS.map((key) => `| \`${key}\` | ${renderSentence(PARAMETER_MEANINGS[key])} |`),
    "",
    'Quote values that contain spaces: `key="a value"`.',
    "",
    "**Examples:**",
    "",
    "```",
    "/hamster prefs",
    "/hamster prefs agent=claude model=claude-sonnet-4-5",
    "/hamster prefs reset",
    "/hamster setup actions",
    `/hamster import ${TASK_MASTER_FILE}`,
    "```",
  ].join("\n");
}

function renderCommandOverview(): string {
  return [
    "| Command | What it does |",
    "| --- | --- |",
    "| `/deliver [key=value ...] [instructions]` | Starts a run: an agent works on the issue and opens a pull request. |",
    "| `/deliver all [key=value ...]` | On a brief: delivers its tasks in the order of their dependencies. |",
    "| `/cancel` | Stops the task's active run. |",
    "| `/retry` | Starts the task again with the parameters of its last run. |",
    "| `/runs` | Lists the task's runs. |",
    "| `/hamster prefs` | Shows your saved preferences. |",
    `| \`/hamster prefs key=value ...\` | Saves your preferences: ${PREFERENCE_KEYS.map((key) => `\`${key}\``).join(", ")}. |`,
    "| `/hamster prefs reset` | Deletes your saved preferences. |",
    `| \`/hamster setup actions\` | ${SETUP_ACTIONS_MEANING} |`,
    `| \`/hamster import <path> [tag=<name>]\` | ${IMPORT_MEANING} |`,
    "",
    WHERE_TO_WRITE,
  ].join("\n");
}

function renderSentence(text: string): string {
  return text.endsWith(".") ? text : `${text}.`;
}
