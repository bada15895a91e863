import type { PreferenceValues } from "../store/preference-store.js";
import type { ArgumentsParse, CommandLine } from "./command-line.js";
import { createParameterCollector, PARAMETER_START, PREFERENCE_GRAMMAR } from "./deliver-parameters.js";
import { parseImportArguments, type ImportCommand } from "./parse-import-arguments.js";
import { parseSetupArguments, type SetupCommand } from "./parse-setup-arguments.js";
import { renderQuoteError, renderValue } from "./render-command-error.js";
import { readToken, type Token } from "./tokenize.js";

export type PrefsCommand =
  | { kind: "prefs"; action: "show" }
  | { kind: "prefs"; action: "reset" }
  | { kind: "prefs"; action: "set"; values: PreferenceValues };

export type HamsterCommand = PrefsCommand | SetupCommand | ImportCommand;

const HAMSTER_SUBCOMMANDS = ["prefs", "setup", "import"] as const;
type HamsterSubcommand = (typeof HAMSTER_SUBCOMMANDS)[number];

/** `/hamster prefs`, `/hamster prefs reset`, `/hamster prefs key=value ...`, `/hamster setup actions`, `/hamster import <path>`. */
export function parseHamsterArguments(found: CommandLine, knownAgents: readonly string[]): ArgumentsParse<HamsterCommand> {
  const argumentsText = found.line.slice(found.argumentsStart);
  const { tokens, error: quoteError } = readAllTokens(found, argumentsText);
  // Problems are listed in the order they appear on the line; an unterminated quote ends it.
  const withQuoteError = (errors: string[]): ArgumentsParse<HamsterCommand> => ({
    ok: false,
    errors: quoteError === null ? errors : [...errors, quoteError],
  });
  const [subcommand, ...rest] = tokens;
  const subcommands = HAMSTER_SUBCOMMANDS.map((name) => `\`${name}\``).join(", ");
  if (subcommand === undefined) {
    // An unterminated quote already explains why no subcommand was read.
    return withQuoteError(quoteError === null ? [`\`/hamster\` needs a subcommand; the subcommands are ${subcommands}`] : []);
  }
  if (!isHamsterSubcommand(subcommand.value)) {
    return withQuoteError([`unknown subcommand ${renderValue(subcommand.value)} of \`/hamster\`; the subcommands are ${subcommands}`]);
  }
  const parsed = parseSubcommandArguments(subcommand.value, argumentsText, rest, knownAgents);
  if (quoteError === null) return parsed;
  // With nothing read after the subcommand, the quote is the only problem to tell.
  return withQuoteError(parsed.ok || rest.length === 0 ? [] : parsed.errors);
}

function parseSubcommandArguments(
  subcommand: HamsterSubcommand,
  argumentsText: string,
  tokens: readonly Token[],
  knownAgents: readonly string[],
): ArgumentsParse<HamsterCommand> {
  switch (subcommand) {
    case "prefs":
      return parsePrefsArguments(argumentsText, tokens, knownAgents);
    case "setup":
      return parseSetupArguments(tokens);
    case "import":
      return parseImportArguments(argumentsText, tokens);
  }
}

/** `/hamster prefs` shows, `/hamster prefs reset` deletes, `/hamster prefs key=value ...` saves. */
function parsePrefsArguments(argumentsText: string, tokens: readonly Token[], knownAgents: readonly string[]): ArgumentsParse<PrefsCommand> {
  // Only a bare `reset` is the action; a quoted one is reported like any other stray word.
  if (tokens[0]?.value === "reset" && !tokens[0].quoted) {
    if (tokens.length > 1) return { ok: false, errors: ["`/hamster prefs reset` takes no arguments"] };
    return { ok: true, command: { kind: "prefs", action: "reset" } };
  }
  const errors: string[] = [];
  const values: PreferenceValues = {};
  const addPreference = createParameterCollector(PREFERENCE_GRAMMAR, values, knownAgents, errors);
  for (const token of tokens) {
    if (PARAMETER_START.test(argumentsText.slice(token.start, token.end))) {
      addPreference(argumentsText, token);
    } else {
      errors.push(`expected key=value or \`reset\` after \`/hamster prefs\`, but got ${renderValue(token.value)}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (tokens.length === 0) return { ok: true, command: { kind: "prefs", action: "show" } };
  return { ok: true, command: { kind: "prefs", action: "set", values } };
}

function isHamsterSubcommand(value: string): value is HamsterSubcommand {
  return (HAMSTER_SUBCOMMANDS as readonly string[]).includes(value);
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
