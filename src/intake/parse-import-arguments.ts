import type { ArgumentsParse } from "./command-line.js";
import { renderValue } from "./render-command-error.js";
import type { Token } from "./tokenize.js";

/** `/hamster import <path> [tag=<name>]`: a Task Master tasks file of the repository, as the brief's tasks. */
export type ImportCommand = { kind: "import"; path: string; tag?: string };

/** Where Task Master keeps its tasks, the example `/hamster import` help gives. */
export const TASK_MASTER_FILE = ".taskmaster/tasks/tasks.json";
const MAX_IMPORT_PATH_LENGTH = 500;
const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;

/** `/hamster import <path> [tag=<name>]`: a path in the repository, and optionally the Task Master tag to read. */
export function parseImportArguments(argumentsText: string, tokens: readonly Token[]): ArgumentsParse<ImportCommand> {
  const [pathToken, ...rest] = tokens;
  if (pathToken === undefined) return { ok: false, errors: [`\`/hamster import\` needs the path of a Task Master tasks file, such as \`${TASK_MASTER_FILE}\``] };
  const path = pathToken.value.replace(/^\.\//, "");
  const errors = isRepositoryPath(path) ? [] : [`${renderValue(pathToken.value)} is not a path in this repository`];
  const tag = readTag(argumentsText, rest, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, command: { kind: "import", path, ...(tag !== undefined ? { tag } : {}) } };
}

/** A relative path that cannot leave the checkout: the file is read from the repository, never from the app's disk. */
function isRepositoryPath(path: string): boolean {
  return !(path === "" || path.length > MAX_IMPORT_PATH_LENGTH || path.startsWith("/") || path.split("/").includes("..") || /[\\\0]/.test(path));
}

/** The `tag=<name>` after the path, if any; every other token is a problem added to `errors`. */
function readTag(argumentsText: string, tokens: readonly Token[], errors: string[]): string | undefined {
  let tag: string | undefined;
  for (const token of tokens) {
    const text = argumentsText.slice(token.start, token.end);
    const value = token.value.startsWith("tag=") ? token.value.slice("tag=".length) : null;
    if (!text.startsWith("tag=") || value === null) errors.push(`expected \`tag=<name>\` after the path, but got ${renderValue(token.value)}`);
    else if (!TAG_NAME.test(value)) errors.push(`${renderValue(value)} is not a Task Master tag name`);
    else if (tag !== undefined) errors.push("`tag` is given twice");
    else tag = value;
  }
  return tag;
}
