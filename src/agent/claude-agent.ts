import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import type {
  ContentBlock,
  ContentBlockParam,
  Message,
  MessageCreateParamsBase,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUnion,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages/messages";
import { buildToolCallEvent, emitRunEvent } from "./agent-events.js";
import { budgetError, findBudgetOverrun, wallClockDetail } from "./budget.js";
import { EPHEMERAL, estimateTokens, markCacheBreakpoints, trimOldToolResults } from "./conversation.js";
import { contextWindowMessage, cutStreamError, isCutStream, toAgentError } from "./model-api-error.js";
import { addUsage, computeCostUsd } from "./prices.js";
import { buildSystemPrompt, buildTaskPrompt } from "./prompt.js";
import { AgentError, type AgentPhase, type AgentProvider, type AgentSession, type AgentSessionRequest, type AgentTotals } from "./provider.js";
import { ZERO_USAGE, type TokenUsage } from "../domain/usage.js";
import { resolveSandboxPolicy, type SandboxOption, type SandboxPolicy } from "../sandbox/sandbox.js";
import { BASH_TOOL_NAME, BASH_TOOL_TYPE, buildCommandEnv, executeBash } from "./tools/bash.js";
import { TEXT_EDITOR_TOOL_NAME, TEXT_EDITOR_TOOL_TYPE, executeTextEditor } from "./tools/text-editor.js";
import { toolError, type ToolOutcome } from "./tools/tool-outcome.js";

export interface ClaudeAgentOptions {
  /** Defaults to what the SDK finds (ANTHROPIC_API_KEY, …). */
  readonly apiKey?: string;
  /** Defaults to ANTHROPIC_BASE_URL, then the public API. */
  readonly baseURL?: string;
  /** max_tokens of each model call. */
  readonly maxTokens: number;
  readonly commandTimeoutMs: number;
  /** Longest tool result handed back to the model (bash output, file views); head and tail are kept. Default 30,000. */
  readonly maxOutputChars?: number;
  /** The SDK's own retries of 408/409/429/5xx and connection failures. Default 4. */
  readonly maxRetries?: number;
  /** HOME for agent commands; default: a fresh temp dir per session, removed by close(). */
  readonly homeDir?: string;
  /** Prompt-cache breakpoints on the system prompt and the newest turns. Default true; false sends no cache_control at all. */
  readonly promptCaching?: boolean;
  /** Estimated conversation size (characters / 4) past which old tool output is trimmed. Default 120,000. */
  readonly maxContextTokens?: number;
  /** The clock of the wall-clock budget (ms). Default Date.now. */
  readonly now?: () => number;
  /**
   * The sandbox every bash command runs in: settings (the session's checkout becomes the
   * workdir) or a factory from the checkout to a policy. The session's HOME is made
   * writable in it. Absent: commands run unsandboxed.
   */
  readonly sandbox?: SandboxOption;
}

const DEFAULT_MAX_OUTPUT_CHARS = 30_000;
const DEFAULT_MAX_RETRIES = 4;
const DEFAULT_MAX_CONTEXT_TOKENS = 120_000;
/** Further attempts after a stream broke off part-way (on top of the SDK's retries before a response). */
const STREAM_RETRIES = 2;
/** Turns (assistant message + tool results) left whole when old tool output is trimmed. */
const KEEP_RECENT_TURNS = 3;
/** Characters kept of each trimmed tool result (head and tail). */
const TRIMMED_KEEP_CHARS = 600;
/** setTimeout fires at once for longer delays; a deadline this far away is simply not armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const CONTINUE_PROMPT = "Your last reply was cut off by the output token limit. Continue where you left off.";
const TRUNCATED_TOOL_CALL =
  "This tool call was cut off by the output token limit before it was complete, so it was not run. Send it again; split large files into several smaller edits.";
const NOT_RUN = "Not run: the run was stopped before this tool call.";

const TOOLS: ToolUnion[] = [
  { type: TEXT_EDITOR_TOOL_TYPE, name: TEXT_EDITOR_TOOL_NAME },
  { type: BASH_TOOL_TYPE, name: BASH_TOOL_NAME },
];

/** The built-in provider: a tool-use loop on the Messages API with Anthropic's trained client tools. */
export function createClaudeAgent(options: ClaudeAgentOptions): AgentProvider {
  return {
    name: "claude",
    startSession: (request) => startClaudeSession(options, request),
  };
}

async function startClaudeSession(options: ClaudeAgentOptions, request: AgentSessionRequest): Promise<AgentSession> {
  if (request.signal.aborted) throw new AgentError("The run was cancelled before the agent started.", "cancelled", ZERO_USAGE);
  // Built per session, after test setup has had the chance to patch global fetch (nock).
  // The installation's own key (from the vault) wins over the app-wide one.
  // Through the gateway, the run credential is the key and the gateway the API.
  const apiKey = request.modelEndpoint?.apiKey ?? request.apiKey ?? options.apiKey;
  const baseURL = request.modelEndpoint?.baseUrl ?? options.baseURL;
  const client = new Anthropic({
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(baseURL !== undefined ? { baseURL } : {}),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
  });
  const ownHome = options.homeDir === undefined ? await mkdtemp(path.join(tmpdir(), "hamster-agent-home-")) : undefined;
  return new ClaudeSession(options, request, client, ownHome);
}

/** Aborts what runs under it when the run is cancelled, the session closed, or the wall-clock budget runs out. */
interface Guard {
  readonly signal: AbortSignal;
  deadlinePassed(): boolean;
  dispose(): void;
}

/**
 * One conversation with Claude over a run. Each send() appends a user message and runs the
 * tool-use loop until the model ends its turn; the budgets count across all sends.
 */
class ClaudeSession implements AgentSession {
  private readonly messages: MessageParam[] = [];
  private readonly system: TextBlockParam[];
  private readonly env: Record<string, string>;
  private readonly sandbox: SandboxPolicy | undefined;
  private readonly secret: string | undefined;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly caching: boolean;
  /** Aborted by close(), so a command still running is killed. */
  private readonly closing = new AbortController();
  private usage: TokenUsage = ZERO_USAGE;
  /** The bash commands the model ran, in order. */
  private readonly commands: string[] = [];
  private turns = 0;
  private busy = false;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly options: ClaudeAgentOptions,
    private readonly request: AgentSessionRequest,
    private readonly client: Anthropic,
    private readonly ownHome: string | undefined,
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.caching = options.promptCaching ?? true;
    this.secret = request.modelEndpoint?.apiKey ?? request.apiKey ?? options.apiKey ?? process.env["ANTHROPIC_API_KEY"];
    const home = options.homeDir ?? ownHome ?? tmpdir();
    this.env = buildCommandEnv({ HOME: home });
    this.sandbox = options.sandbox === undefined ? undefined : resolveSandboxPolicy(options.sandbox, request.workdir, { writablePaths: [home], readOnlyPaths: request.readOnlyPaths ?? [] });
    // Built once: an unchanged system prompt is what every call reads from the cache.
    this.system = [{ type: "text", text: buildSystemPrompt(request.context), ...(this.caching ? { cache_control: EPHEMERAL } : {}) }];
  }

  /** The phase is not needed here: the prompt says what to do, and the status lines name the tools. */
  async send(prompt: string, _phase: AgentPhase): Promise<string> {
    if (this.closed !== undefined) throw new Error("This agent session is closed; start a new one.");
    if (this.busy) throw new Error("send() was called while the previous send() was still running.");
    this.busy = true;
    try {
      const blocks: TextBlockParam[] = [];
      if (this.messages.length === 0) blocks.push({ type: "text", text: buildTaskPrompt(this.request.task) });
      blocks.push({ type: "text", text: prompt });
      this.appendUser(blocks);
      return await this.runUntilEndTurn();
    } finally {
      this.busy = false;
    }
  }

  totals(): AgentTotals {
    return { turns: this.turns, usage: this.usage, costUsd: computeCostUsd(this.request.model, this.usage) };
  }

  commandsRun(): readonly string[] {
    return [...this.commands];
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.closing.abort();
      if (this.ownHome !== undefined) await rm(this.ownHome, { recursive: true, force: true });
    })();
    return this.closed;
  }

  private async runUntilEndTurn(): Promise<string> {
    for (;;) {
      this.throwIfStopped("before the next model call");
      const overrun = findBudgetOverrun(this.request.budgets, {
        turns: this.turns,
        usage: this.usage,
        costUsd: computeCostUsd(this.request.model, this.usage),
        elapsedMs: this.elapsedMs(),
      });
      if (overrun !== undefined) throw budgetError(overrun, this.usage);

      this.trimIfTooLarge();
      markCacheBreakpoints(this.messages, this.caching);
      const calledAt = this.now();
      const response = await this.callModel();
      this.turns += 1;
      const usage = usageOf(response);
      this.usage = addUsage(this.usage, usage);
      emitRunEvent(this.request.onEvent, {
        kind: "model_call",
        turn: this.turns,
        model: response.model || this.request.model,
        usage,
        costUsd: computeCostUsd(this.request.model, usage),
        ...(response.stop_reason ? { stopReason: response.stop_reason } : {}),
        durationMs: this.now() - calledAt,
      });
      if (response.content.length > 0) {
        this.messages.push({ role: "assistant", content: response.content.map(toContentParam) });
      }

      switch (response.stop_reason) {
        case "end_turn":
        case "stop_sequence":
          return finalText(response);
        case "tool_use":
        case "max_tokens":
          await this.runTools(response);
          break;
        case "refusal":
          throw this.badResponse("The model declined to work on this task (it stopped with a refusal). Rephrase the issue and try again.");
        case "model_context_window_exceeded":
          throw new AgentError(contextWindowMessage(), "model_api", this.usage);
        default:
          throw this.badResponse(`The model stopped for an unexpected reason (${String(response.stop_reason)}).`);
      }
    }
  }

  /**
   * One model call, streamed. A stream that breaks off part-way is asked again, up to twice,
   * with the same request: tools only ever run from a complete final message, so nothing
   * the broken answer asked for has happened, and asking again cannot repeat a side effect.
   */
  private async callModel(): Promise<Message> {
    const params: MessageCreateParamsBase = {
      model: this.request.model,
      max_tokens: this.options.maxTokens,
      system: this.system,
      tools: TOOLS,
      messages: [...this.messages],
    };
    for (let attempt = 0; ; attempt++) {
      const guard = this.guard();
      const stream = this.client.messages.stream(params, { signal: guard.signal });
      try {
        return await stream.finalMessage();
      } catch (error) {
        stream.abort();
        this.throwIfStopped("while waiting for the model", guard);
        const context = { usage: this.usage, secret: this.secret, model: this.request.model };
        // The response object exists once the API accepted the request and began to answer.
        if (isCutStream(error, stream.response != null)) {
          if (attempt < STREAM_RETRIES) {
            this.progress(`turn ${this.turns + 1}: the model's answer broke off; asking again`);
            continue;
          }
          throw cutStreamError(error, context);
        }
        throw toAgentError(error, context);
      } finally {
        guard.dispose();
      }
    }
  }

  private async runTools(response: Message): Promise<void> {
    const toolUses = response.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
    if (response.stop_reason === "tool_use" && toolUses.length === 0) {
      throw this.badResponse("The model asked to use a tool but sent no tool call.");
    }
    const results: ContentBlockParam[] = [];
    const guard = this.guard();
    try {
      for (const toolUse of toolUses) {
        if (response.stop_reason === "max_tokens") {
          // Its input may be cut short: running it could write half a file.
          results.push(toolResult(toolUse.id, this.reportToolCall(toolUse, { ...toolError(TRUNCATED_TOOL_CALL), detail: "not run: cut off by the output token limit" })));
          continue;
        }
        if (guard.signal.aborted) {
          results.push(toolResult(toolUse.id, this.reportToolCall(toolUse, { ...toolError(NOT_RUN), detail: "not run: the run was stopped" })));
          continue;
        }
        this.progress(`turn ${this.turns}: ${describeToolUse(toolUse)}`);
        const startedAt = this.now();
        const outcome = await this.runTool(toolUse, guard.signal);
        results.push(toolResult(toolUse.id, this.reportToolCall(toolUse, outcome, this.now() - startedAt)));
      }
      if (response.stop_reason === "max_tokens") {
        this.progress(`turn ${this.turns}: output limit reached, asking the model to continue`);
        results.push({ type: "text", text: CONTINUE_PROMPT });
      }
      // Appended also when stopping, so every tool call in the conversation has its result.
      this.appendUser(results);
      this.throwIfStopped("while a tool was running", guard);
    } finally {
      guard.dispose();
    }
  }

  private async runTool(toolUse: ToolUseBlock, signal: AbortSignal): Promise<ToolOutcome> {
    const maxOutputChars = this.options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS;
    try {
      switch (toolUse.name) {
        case TEXT_EDITOR_TOOL_NAME:
          return await executeTextEditor(toolUse.input, { workdir: this.request.workdir, maxOutputChars });
        case BASH_TOOL_NAME: {
          const command = findBashCommand(toolUse.input);
          if (command !== undefined) this.commands.push(command);
          return await executeBash(toolUse.input, {
            workdir: this.request.workdir,
            timeoutMs: this.options.commandTimeoutMs,
            maxOutputChars,
            signal,
            env: this.env,
            sandbox: this.sandbox,
          });
        }
        default:
          return toolError(`Unknown tool ${JSON.stringify(toolUse.name)}. The available tools are ${TEXT_EDITOR_TOOL_NAME} and ${BASH_TOOL_NAME}.`);
      }
    } catch (error) {
      // Tools report their own failures; this is a bug in one, and the model can still go on.
      return toolError(`The tool failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Adds blocks as the next user message, merging into the last one if the conversation ends with a user message. */
  private appendUser(blocks: ContentBlockParam[]): void {
    const last = this.messages[this.messages.length - 1];
    if (last !== undefined && last.role === "user") {
      const existing = typeof last.content === "string" ? [{ type: "text" as const, text: last.content }] : last.content;
      last.content = [...existing, ...blocks];
      return;
    }
    this.messages.push({ role: "user", content: blocks });
  }

  private trimIfTooLarge(): void {
    const limit = this.options.maxContextTokens ?? DEFAULT_MAX_CONTEXT_TOKENS;
    if (estimateTokens({ system: this.system, tools: TOOLS, messages: this.messages }) <= limit) return;
    const result = trimOldToolResults(this.messages, {
      keepRecentMessages: KEEP_RECENT_TURNS * 2,
      keepChars: TRIMMED_KEEP_CHARS,
      // Less than a tenth of the limit is not worth writing the whole conversation to the cache again.
      minSavingChars: limit * 4 * 0.1,
    });
    if (result.trimmedBlocks > 0) {
      this.progress(`turn ${this.turns}: trimmed ${result.trimmedBlocks} old tool results (about ${Math.round(result.savedChars / 4)} tokens) to keep the conversation small`);
    }
  }

  private guard(): Guard {
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    const parents = [this.request.signal, this.closing.signal];
    for (const parent of parents) {
      if (parent.aborted) controller.abort();
      else parent.addEventListener("abort", abort, { once: true });
    }
    let passed = false;
    let timer: NodeJS.Timeout | undefined;
    const limit = this.request.budgets.wallClockMs;
    if (limit !== undefined) {
      const remaining = Math.max(0, limit - this.elapsedMs());
      if (remaining <= MAX_TIMER_MS) {
        timer = setTimeout(() => {
          passed = true;
          controller.abort();
        }, remaining);
      }
    }
    return {
      signal: controller.signal,
      deadlinePassed: () => passed,
      dispose: () => {
        clearTimeout(timer);
        for (const parent of parents) parent.removeEventListener("abort", abort);
      },
    };
  }

  /** Throws the AgentError for a cancelled run, a closed session, or a wall-clock deadline that passed under `guard`. */
  private throwIfStopped(when: string, guard?: Guard): void {
    if (this.request.signal.aborted) throw new AgentError(`The run was cancelled ${when}.`, "cancelled", this.usage);
    if (this.closing.signal.aborted) throw new AgentError(`The agent session was closed ${when}.`, "cancelled", this.usage);
    const limit = this.request.budgets.wallClockMs;
    if (guard?.deadlinePassed() && limit !== undefined) {
      throw budgetError({ budget: "wall_clock", detail: wallClockDetail(Math.max(this.elapsedMs(), limit), limit) }, this.usage);
    }
  }

  private elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Tells the event listener how a tool call went; returns the outcome for the model. */
  private reportToolCall(toolUse: ToolUseBlock, outcome: ToolOutcome, durationMs?: number): ToolOutcome {
    emitRunEvent(this.request.onEvent, buildToolCallEvent(this.turns, toolUse.name, toolUse.input, outcome, durationMs));
    return outcome;
  }

  private progress(message: string): void {
    try {
      this.request.onProgress?.({ message, turn: this.turns, usage: this.usage });
    } catch {
      // A broken status display must not end the agent's work.
    }
  }

  private badResponse(message: string): AgentError {
    return new AgentError(message, "bad_response", this.usage);
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

/** The assistant's blocks as they are sent back: only the fields the API takes (no citations: null, no stream internals). */
function toContentParam(block: ContentBlock): ContentBlockParam {
  switch (block.type) {
    case "text":
      return { type: "text", text: block.text };
    case "tool_use":
      return { type: "tool_use", id: block.id, name: block.name, input: block.input };
    case "thinking":
      return { type: "thinking", thinking: block.thinking, signature: block.signature };
    case "redacted_thinking":
      return { type: "redacted_thinking", data: block.data };
    default:
      return block as unknown as ContentBlockParam;
  }
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

/** The command of a bash tool call, when it has one (a restart has none). */
function findBashCommand(input: unknown): string | undefined {
  const command = typeof input === "object" && input !== null ? (input as Record<string, unknown>)["command"] : undefined;
  return typeof command === "string" ? command : undefined;
}

/** The text of the message that ended the turn (possibly empty: the phase's parser decides what that means). */
function finalText(response: Message): string {
  return response.content
    .flatMap((block) => (block.type === "text" ? [block.text] : []))
    .join("\n\n")
    .trim();
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
