import type { CommandLine } from "./command-line.js";

/** A value as shown in an error: JSON-quoted so control characters are visible, long ones cut. */
export function renderValue(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}

/** Points at the quote by its column on the command's whole line, where the user can count it. */
export function renderQuoteError(found: CommandLine, argumentsText: string, offset: number): string {
  const kind = argumentsText[offset] === "'" ? "single" : "double";
  return `unterminated ${kind} quote at column ${found.argumentsStart + offset + 1} of the /${found.name} line`;
}
