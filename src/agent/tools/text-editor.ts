import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { resolveInWorkdir } from "../../workspace/path-guard.js";
import { capOutput } from "./cap-output.js";
import { toolError, toolOk, type ToolOutcome } from "./tool-outcome.js";

/** Executes Anthropic's trained text editor tool (`text_editor_20250728`). */
export const TEXT_EDITOR_TOOL_NAME = "str_replace_based_edit_tool";
export const TEXT_EDITOR_TOOL_TYPE = "text_editor_20250728";

/** Default longest tool result; the model's context is the scarce resource, not the disk. */
export const TEXT_EDITOR_MAX_OUTPUT_CHARS = 30_000;
/** Files larger than this are not read whole: the model should page through them with bash. */
const MAX_VIEW_FILE_BYTES = 10 * 1024 * 1024;
const SNIPPET_CONTEXT_LINES = 4;

const COMMANDS = ["view", "create", "str_replace", "insert"] as const;

const pathField = z.string({ error: "path must be a string" }).min(1, "path must not be empty");

const inputSchema = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("view"),
    path: pathField,
    view_range: z
      .tuple([z.number().int(), z.number().int()], { error: "view_range must be [start_line, end_line] (integers)" })
      .optional(),
  }),
  z.object({
    command: z.literal("create"),
    path: pathField,
    file_text: z.string({ error: "create needs file_text (a string)" }),
  }),
  z.object({
    command: z.literal("str_replace"),
    path: pathField,
    old_str: z.string({ error: "str_replace needs old_str (a string)" }).min(1, "old_str must not be empty"),
    new_str: z.string({ error: "new_str must be a string" }).optional(),
  }),
  z.object({
    command: z.literal("insert"),
    path: pathField,
    insert_line: z.number({ error: "insert needs insert_line (a number)" }).int("insert_line must be an integer"),
    insert_text: z.string({ error: "insert_text must be a string" }).optional(),
    // Older versions of the tool sent the text as new_str; accept it rather than waste a turn.
    new_str: z.string().optional(),
  }),
]);

type EditorInput = z.infer<typeof inputSchema>;

export interface TextEditorContext {
  readonly workdir: string;
  /** Longest result handed back (views, edit snippets); head and tail are kept. Default 30,000. */
  readonly maxOutputChars?: number;
}

export async function executeTextEditor(input: unknown, context: TextEditorContext): Promise<ToolOutcome> {
  const parsed = parseInput(input);
  if (!parsed.ok) return toolError(parsed.error);
  const request = parsed.value;

  const resolved = resolveInWorkdir(context.workdir, request.path);
  if (!resolved.ok) return toolError(resolved.error);
  const cap = (text: string, hint: string): string => capOutput(text, context.maxOutputChars ?? TEXT_EDITOR_MAX_OUTPUT_CHARS, hint);

  try {
    switch (request.command) {
      case "view":
        return await view(resolved.path, request.path, request.view_range, cap);
      case "create":
        return await create(resolved.path, request.path, request.file_text);
      case "str_replace":
        return await strReplace(resolved.path, request.path, request.old_str, request.new_str ?? "", cap);
      case "insert": {
        const text = request.insert_text ?? request.new_str;
        if (text === undefined) return toolError("insert needs insert_text (a string).");
        return await insert(resolved.path, request.path, request.insert_line, text, cap);
      }
    }
  } catch (error) {
    return toolError(describeFsError(error, request.path));
  }
}

function parseInput(input: unknown): { ok: true; value: EditorInput } | { ok: false; error: string } {
  if (typeof input !== "object" || input === null) {
    return { ok: false, error: "The input must be an object with a command and a path." };
  }
  const command = (input as { command?: unknown }).command;
  if (typeof command !== "string" || !(COMMANDS as readonly string[]).includes(command)) {
    return { ok: false, error: `Unknown command ${JSON.stringify(command)}: command must be one of ${COMMANDS.join(", ")}.` };
  }
  const result = inputSchema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => issue.message);
  return { ok: false, error: `Invalid input for ${command}: ${problems.join("; ")}.` };
}

async function view(
  realPath: string,
  shownPath: string,
  range: readonly [number, number] | undefined,
  cap: Cap,
): Promise<ToolOutcome> {
  const info = await stat(realPath);
  if (info.isDirectory()) {
    if (range !== undefined) return toolError("view_range applies to files, not directories.");
    const entries = await listDirectory(realPath, 2);
    const header = `Files and directories up to 2 levels deep in ${shownPath}, excluding hidden items and node_modules:`;
    return toolOk(cap([header, ...entries].join("\n"), "view a subdirectory to see its entries"));
  }
  if (!info.isFile()) return toolError(`${shownPath} is neither a regular file nor a directory.`);
  if (info.size > MAX_VIEW_FILE_BYTES) {
    return toolError(
      `${shownPath} is ${info.size} bytes, too large to view; use the bash tool (e.g. sed -n '100,200p' ${shownPath}) to read part of it.`,
    );
  }
  const buffer = await readFile(realPath);
  if (buffer.includes(0)) return toolError(`${shownPath} looks like a binary file (${info.size} bytes); it cannot be viewed as text.`);
  const lines = splitLines(buffer.toString("utf8"));

  let start = 1;
  let end = lines.length;
  if (range !== undefined) {
    const [from, to] = range;
    if (from < 1 || (from > lines.length && !(from === 1 && lines.length === 0))) {
      return toolError(`view_range start ${from} is out of range: ${shownPath} has ${lines.length} lines.`);
    }
    if (to !== -1 && to < from) return toolError(`view_range end ${to} is before its start ${from} (use -1 for the end of the file).`);
    start = from;
    // An end past EOF is read as "to the end" rather than an error: nothing is lost by it.
    end = to === -1 ? lines.length : Math.min(to, lines.length);
  }
  if (lines.length === 0) return toolOk(`${shownPath} is empty.`);
  return toolOk(cap(numberLines(lines.slice(start - 1, end), start), VIEW_HINT));
}

async function create(realPath: string, shownPath: string, text: string): Promise<ToolOutcome> {
  const existing = await stat(realPath).catch(() => undefined);
  if (existing?.isDirectory()) return toolError(`${shownPath} is a directory; create writes files.`);
  await mkdir(path.dirname(realPath), { recursive: true });
  await writeFile(realPath, text, "utf8");
  return toolOk(`${existing ? "Overwrote" : "Created"} ${shownPath} (${splitLines(text).length} lines).`);
}

async function strReplace(realPath: string, shownPath: string, oldStr: string, newStr: string, cap: Cap): Promise<ToolOutcome> {
  const content = await readTextFile(realPath, shownPath);
  if (typeof content !== "string") return content;
  const matches = countOccurrences(content, oldStr);
  if (matches === 0) {
    return toolError(`No match: old_str does not occur in ${shownPath} (it must match exactly, including whitespace and indentation).`);
  }
  if (matches > 1) {
    return toolError(`${matches} matches of old_str in ${shownPath}, make old_str unique by including more surrounding lines.`);
  }
  const at = content.indexOf(oldStr);
  const updated = content.slice(0, at) + newStr + content.slice(at + oldStr.length);
  await writeFile(realPath, updated, "utf8");

  const firstLine = content.slice(0, at).split("\n").length;
  const lastLine = firstLine + newStr.split("\n").length - 1;
  return toolOk(cap(`Edited ${shownPath}. The changed region now reads:\n${snippet(updated, firstLine, lastLine)}`, VIEW_HINT));
}

async function insert(realPath: string, shownPath: string, afterLine: number, text: string, cap: Cap): Promise<ToolOutcome> {
  const content = await readTextFile(realPath, shownPath);
  if (typeof content !== "string") return content;
  const lines = splitLines(content);
  if (afterLine < 0 || afterLine > lines.length) {
    return toolError(`insert_line ${afterLine} is out of range: ${shownPath} has ${lines.length} lines (use 0 to insert at the top).`);
  }
  // One trailing newline belongs to the inserted text, not an extra blank line.
  const inserted = splitLines(text.endsWith("\n") ? text : `${text}\n`);
  const updatedLines = [...lines.slice(0, afterLine), ...inserted, ...lines.slice(afterLine)];
  const hadTrailingNewline = content.endsWith("\n") || content === "";
  const updated = updatedLines.join("\n") + (hadTrailingNewline ? "\n" : "");
  await writeFile(realPath, updated, "utf8");
  return toolOk(
    cap(`Inserted ${inserted.length} lines into ${shownPath} after line ${afterLine}:\n${snippet(updated, afterLine + 1, afterLine + inserted.length)}`, VIEW_HINT),
  );
}

async function readTextFile(realPath: string, shownPath: string): Promise<string | ToolOutcome> {
  const info = await stat(realPath);
  if (info.isDirectory()) return toolError(`${shownPath} is a directory, not a file.`);
  if (info.size > MAX_VIEW_FILE_BYTES) return toolError(`${shownPath} is ${info.size} bytes, too large to edit with this tool.`);
  const buffer = await readFile(realPath);
  if (buffer.includes(0)) return toolError(`${shownPath} looks like a binary file; it cannot be edited as text.`);
  return buffer.toString("utf8");
}

async function listDirectory(root: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, level: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(dir, entry.name);
      const rel = path.relative(root, full);
      if (entry.isDirectory()) {
        out.push(`${rel}/`);
        if (level < depth) await walk(full, level + 1);
      } else {
        out.push(rel);
      }
      // A huge tree is capped later anyway; stop walking long before that.
      if (out.length > 5_000) return;
    }
  };
  await walk(root, 1);
  return out;
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines;
}

function numberLines(lines: readonly string[], firstNumber: number): string {
  // Width 6, as in Anthropic's reference implementation the tool was trained on.
  return lines.map((line, i) => `${String(firstNumber + i).padStart(6)}\t${line}`).join("\n");
}

function snippet(content: string, firstLine: number, lastLine: number): string {
  const lines = splitLines(content);
  const from = Math.max(1, firstLine - SNIPPET_CONTEXT_LINES);
  const to = Math.min(lines.length, lastLine + SNIPPET_CONTEXT_LINES);
  return numberLines(lines.slice(from - 1, to), from);
}

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Caps a result to the context's limit, with a hint on how to see what was left out. */
type Cap = (text: string, hint: string) => string;

const VIEW_HINT = "use view with view_range to see the lines in between";

function describeFsError(error: unknown, shownPath: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return `${shownPath} does not exist.`;
    case "ENOTDIR":
      return `A parent of ${shownPath} is a file, not a directory.`;
    case "EISDIR":
      return `${shownPath} is a directory.`;
    case "EACCES":
    case "EPERM":
      return `Permission denied for ${shownPath}.`;
    default:
      return `Could not access ${shownPath}: ${error instanceof Error ? error.message : String(error)}`;
  }
}
