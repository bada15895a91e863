import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  ToolResultBlockParam,
  ToolUnion,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { computeCostUsd, addUsage } from "./prices.js";
import { buildSystemPrompt, buildTaskPrompt } from "./prompt.js";
import { AgentError, ZERO_USAGE, type AgentProvider, type AgentRequest, type AgentResult, type TokenUsage } from "./provider.js";
import { BASH_TOOL_NAME, BASH_TOOL_TYPE, buildCommandEnv, executeBash } from "./tools/bash.js";
import { TEXT_EDITOR_TOOL_NAME, TEXT_EDITOR_TOOL_TYPE, executeTextEditor } from "./tools/text-editor.js";
import { toolError, type ToolOutcome } from "./tools/tool-outcome.js";

export interface ClaudeAgentOptions {
  /** Defaults to what the SDK finds (ANTHROPIC_API_KEY, …). */
  readonly apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, then the public API. */
  readonly baseURL?: string;
  /** Model calls per run; the run fails with code "budget" when they are used up. */
  readonly maxTurns: number;
  /** max_tokens of each model call. */
  readonly maxTokens: number;
  readonly commandTimeoutMs: number;
  /** Longest tool result handed back to the model (bash). Default 30,000. */
  readonly maxOutputChars?: number;
  /** The SDK's own retries of 429/5xx/connection errors. Default: the SDK's (2). */
  readonly maxRetries?: number;
  /** HOME for agent commands; default: a fresh temp dir per run, removed afterwards. */
  readonly homeDir?: string;
}

const DEFAULT_MAX_OUTPUT_CHARS = 30_000;
const NO_SUMMARY = "The agent finished without a summary.";
const CONTINUE_PROMPT = "Your last reply was cut off by the output token limit. Continue where you left off.";
const TRUNCATED_TOOL_CALL =
  "This tool call was cut off by the output token limit before it was complete, so it was not run. Send it again; split large files into several smaller edits.";

const TOOLS: ToolUnion[] = [
  { type: TEXT_EDITOR_TOOL_TYPE, name: TEXT_EDITOR_TOOL_NAME },
  { type: BASH_TOOL_TYPE, name: BASH_TOOL_NAME },
];

/** The built-in provider: a tool-use loop on the Messages API with Anthropic's trained client tools. */
export function createClaudeAgent(options: ClaudeAgentOptions): AgentProvider {
  return {
    name: "claude",
    run: (request) => runClaudeAgent(options, request),
  };
}

async function runClaudeAgent(options: ClaudeAgentOptions, request: AgentRequest): Promise<AgentResult> {
  const { signal } = request;
  if (signal.aborted) throw new AgentError("The run was cancelled before the agent started.", "cancelled", ZERO_USAGE);

  // Built per run, after test setup has had the chance to patch global fetch (nock).
  const client = new Anthropic({
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
  const secret = options.apiKey ?? process.env["ANTHROPIC_API_KEY"];

  const ownHome = options.homeDir === undefined ? await mkdtemp(path.join(tmpdir(), "hamster-agent-home-")) : undefined;
  const env = buildCommandEnv({ HOME: options.homeDir ?? ownHome ?? tmpdir() });

  let usage: TokenUsage = ZERO_USAGE;
  const messages: MessageParam[] = [{ role: "user", content: [{ type: "text", text: buildTaskPrompt(request.task) }] }];
  const progress = (turn: number, message: string): void => {
    try {
      request.onProgress?.({ message, turn, usage });
    } catch {
      // A broken status display must not end the agent's work.
    }
  };

  try {
    for (let turn = 1; ; turn++) {
      markCacheBreakpoint(messages);
      const params: MessageCreateParamsNonStreaming = {
        model: request.model,
        max_tokens: options.maxTokens,
        // The breakpoint on the system prompt caches tools + system for every turn.
        system: [{ type: "text", text: buildSystemPrompt(), cache_control: { type: "ephemeral" } }],
        tools: TOOLS,
        messages,
      };

      let response: Message;
      try {
        response = await client.messages.create(params, { signal });
      } catch (error) {
        throw toAgentError(error, { signal, usage, secret, model: request.model });
      }
      usage = addUsage(usage, usageOf(response));
      if (response.content.length > 0) {
        messages.push({ role: "assistant", content: response.content as ContentBlockParam[] });
      }

      const finished = (): AgentResult => ({
        summary: summaryOf(response),
        turns: turn,
        usage,
        costUsd: computeCostUsd(request.model, usage),
      });

      switch (response.stop_reason) {
        case "end_turn":
          return finished();
        case "tool_use":
        case "max_tokens": {
          if (turn >= options.maxTurns) {
            throw new AgentError(
              `Stopped after ${turn} turns (the turn budget) before the agent finished. The changes so far are in the checkout; raise the turn limit or split the task into smaller issues.`,
              "budget",
              usage,
            );
          }
          const toolUses = response.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
          if (response.stop_reason === "tool_use" && toolUses.length === 0) {
            throw badResponse("The model asked to use a tool but sent no tool call.", usage);
          }
          const results: ContentBlockParam[] = [];
          for (const toolUse of toolUses) {
            if (response.stop_reason === "max_tokens") {
              // Its input may be cut short: running it could write half a file.
              results.push(toolResult(toolUse.id, toolError(TRUNCATED_TOOL_CALL)));
              continue;
            }
            progress(turn, `turn ${turn}: ${describeToolUse(toolUse)}`);
            const outcome = await runTool(toolUse, request, options, env);
            results.push(toolResult(toolUse.id, outcome));
            if (signal.aborted) throw new AgentError("The run was cancelled while the agent was working.", "cancelled", usage);
          }
          if (response.stop_reason === "max_tokens") {
            progress(turn, `turn ${turn}: output limit reached, asking the model to continue`);
            results.push({ type: "text", text: CONTINUE_PROMPT });
          }
          messages.push({ role: "user", content: results });
          break;
        }
        case "refusal":
          throw badResponse("The model declined to work on this task (it stopped with a refusal). Rephrase the issue and try again.", usage);
        case "model_context_window_exceeded":
          throw new AgentError(contextWindowMessage(), "model_api", usage);
        default:
          throw badResponse(`The model stopped for an unexpected reason (${String(response.stop_reason)}).`, usage);
      }
    }
  } finally {
    if (ownHome !== undefined) await rm(ownHome, { recursive: true, force: true });
  }
}

async function runTool(
  toolUse: ToolUseBlock,
  request: AgentRequest,
  options: ClaudeAgentOptions,
  env: Record<string, string>,
): Promise<ToolOutcome> {
  try {
    switch (toolUse.name) {
      case TEXT_EDITOR_TOOL_NAME:
        return await executeTextEditor(toolUse.input, { workdir: request.workdir });
      case BASH_TOOL_NAME:
        return await executeBash(toolUse.input, {
          workdir: request.workdir,
          timeoutMs: options.commandTimeoutMs,
          maxOutputChars: options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
          signal: request.signal,
          env,
        });
      default:
        return toolError(`Unknown tool ${JSON.stringify(toolUse.name)}. The available tools are ${TEXT_EDITOR_TOOL_NAME} and ${BASH_TOOL_NAME}.`);
    }
  } catch (error) {
    // Tools report their own failures; this is a bug in one, and the model can still go on.
    return toolError(`The tool failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toolResult(toolUseId: string, outcome: ToolOutcome): ToolResultBlockParam {
  return {
    type: "tool_result",
    tool_use_id: toolUseId,
    // The API rejects an empty error result.
    content: outcome.content === "" ? "(no output)" : outcome.content,
    ...(outcome.isError ? { is_error: true } : {}),
  };
}

/**
 * Keeps exactly one cache breakpoint in the conversation, on the last block of the newest
 * user message, so each call reads the previous turn's prefix from the cache and the
 * request stays within the API's limit of four breakpoints (the other is on the system prompt).
 */
export function markCacheBreakpoint(messages: MessageParam[]): void {
  for (const message of messages) {
    if (typeof message.content === "string") continue;
    for (const block of message.content) {
      if ("cache_control" in block) delete (block as { cache_control?: unknown }).cache_control;
    }
  }
  const lastUser = [...messages].reverse().find((message) => message.role === "user");
  if (lastUser === undefined) return;
  if (typeof lastUser.content === "string") {
    lastUser.content = [{ type: "text", text: lastUser.content }];
  }
  const last = lastUser.content[lastUser.content.length - 1];
  if (last !== undefined) (last as { cache_control?: unknown }).cache_control = { type: "ephemeral" };
}

function usageOf(response: Message): TokenUsage {
  const u = response.usage;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens ?? 0,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

function summaryOf(response: Message): string {
  const text = response.content
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("\n\n")
    .trim();
  return text === "" ? NO_SUMMARY : text;
}

/** One status line for a tool call, e.g. "bash — npm test" or "str_replace_based_edit_tool create src/x.ts". */
export function describeToolUse(toolUse: Pick<ToolUseBlock, "name" | "input">): string {
  const input = (typeof toolUse.input === "object" && toolUse.input !== null ? toolUse.input : {}) as Record<string, unknown>;
  if (toolUse.name === BASH_TOOL_NAME) {
    if (input["restart"] === true) return "bash — restart";
    const command = typeof input["command"] === "string" ? input["command"] : "";
    return `bash — ${shorten(command.split("\n")[0]?.trim() ?? "", 80)}`;
  }
  if (toolUse.name === TEXT_EDITOR_TOOL_NAME) {
    const command = typeof input["command"] === "string" ? input["command"] : "?";
    const target = typeof input["path"] === "string" ? input["path"] : "?";
    return `${TEXT_EDITOR_TOOL_NAME} ${shorten(command, 20)} ${shorten(target, 120)}`;
  }
  return shorten(toolUse.name, 60);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function badResponse(message: string, usage: TokenUsage): AgentError {
  return new AgentError(message, "bad_response", usage);
}

function contextWindowMessage(): string {
  return "The conversation grew larger than the model's context window. Split the task into smaller issues, or ask for less output (e.g. quieter test commands).";
}

/** Maps a failed model call to an AgentError a user can act on, with the API key scrubbed. */
function toAgentError(
  error: unknown,
  context: { signal: AbortSignal; usage: TokenUsage; secret: string | undefined; model: string },
): AgentError {
  const { usage } = context;
  const make = (message: string, code: AgentError["code"]): AgentError =>
    new AgentError(redact(message, context.secret), code, usage, { cause: safeCause(error, context.secret) });
  const apiMessage = (e: InstanceType<typeof Anthropic.APIError>): string => redact(e.apiMessage ?? "no details", context.secret);

  if (error instanceof Anthropic.APIUserAbortError || context.signal.aborted) {
    return make("The run was cancelled while waiting for the model.", "cancelled");
  }
  if (error instanceof Anthropic.AuthenticationError) {
    return make("The model API rejected the API key (HTTP 401). Set a valid ANTHROPIC_API_KEY.", "auth");
  }
  if (error instanceof Anthropic.PermissionDeniedError) {
    return make(
      `The model API refused this API key access (HTTP 403): ${apiMessage(error)}. Check the key's workspace and permissions, or use another key.`,
      "auth",
    );
  }
  if (error instanceof Anthropic.RateLimitError) {
    return make(
      "The model API kept rate-limiting the requests (HTTP 429), also after retries. Try again later, or raise the account's rate limits.",
      "model_api",
    );
  }
  if (error instanceof Anthropic.InternalServerError) {
    return make(
      `The model API failed with HTTP ${error.status} (${apiMessage(error)}), also after retries. It is probably overloaded or down; try again later.`,
      "model_api",
    );
  }
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return make("The model API did not answer in time, also after retries. Check the network, then try again.", "model_api");
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return make(
      `Could not reach the model API${cause}. Check network access and ANTHROPIC_BASE_URL, then try again.`,
      "model_api",
    );
  }
  if (error instanceof Anthropic.BadRequestError) {
    if (/prompt is too long|too many tokens|context window|context length/i.test(error.apiMessage ?? error.message)) {
      return make(contextWindowMessage(), "model_api");
    }
    return make(`The model API rejected the request (HTTP 400): ${apiMessage(error)}.`, "model_api");
  }
  if (error instanceof Anthropic.NotFoundError) {
    return make(`The model API does not know the model "${context.model}" (HTTP 404). Check the configured model name.`, "model_api");
  }
  if (error instanceof Anthropic.APIError) {
    const status = error.status === undefined ? "" : ` (HTTP ${error.status})`;
    return make(`The model API returned an error${status}: ${apiMessage(error)}.`, "model_api");
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/authentication method|api key|apikey/i.test(message)) {
    return make("No API key for the model API was found. Set ANTHROPIC_API_KEY.", "auth");
  }
  return make(`Calling the model API failed unexpectedly: ${message}`, "model_api");
}

/**
 * The SDK error is kept as the cause for debugging (request id, body), unless the key shows
 * up anywhere in it (e.g. echoed in a network error): loggers print causes too.
 */
function safeCause(error: unknown, secret: string | undefined): unknown {
  if (secret === undefined || secret.length < 8) return error;
  const shown = inspect(error, { depth: 8 });
  return shown.includes(secret) ? new Error(redact(shown, secret)) : error;
}

function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 8) return text;
  return text.split(secret).join("[redacted]");
}
