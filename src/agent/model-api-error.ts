import { inspect } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import { budgetError } from "./budget.js";
import { BUDGET_REFUSAL_HEADER, parseBudgetRefusal } from "./budget-refusal.js";
import { AgentError } from "./provider.js";
import { type TokenUsage } from "../domain/usage.js";

export interface ModelErrorContext {
  readonly usage: TokenUsage;
  /** The API key, scrubbed from every message and cause. */
  readonly secret: string | undefined;
  readonly model: string;
}

export function contextWindowMessage(): string {
  return "The conversation grew larger than the model's context window. Split the task into smaller issues, or ask for less output (e.g. quieter test commands).";
}

const BILLING = /credit balance|billing|spend(ing)? limit|usage limit|purchase credits|insufficient (funds|credit)|quota/i;
const PROMPT_TOO_LONG = /prompt is too long|too many tokens|context window|context length/i;

/**
 * True when a streamed answer broke off part-way, after the API had accepted the request
 * (`connected`): the connection dropped, the body ended before `message_stop`, or the API
 * sent an `overloaded_error`/`api_error` event mid-stream. Failures before the response
 * (HTTP errors, connection failures the SDK has already retried, a missing key) and aborts
 * are something else.
 */
export function isCutStream(error: unknown, connected: boolean): boolean {
  if (!connected || error instanceof Anthropic.APIUserAbortError) return false;
  if (error instanceof Anthropic.APIError && error.status === undefined && error.type !== null) {
    return error.type === "overloaded_error" || error.type === "api_error";
  }
  return true;
}

/** The failure of a stream that kept breaking off, once its retries are used up. */
export function cutStreamError(error: unknown, context: ModelErrorContext): AgentError {
  const detail = error instanceof Error ? error.message : String(error);
  return new AgentError(
    redact(`The model API kept breaking off its answer part-way (${detail}), also after retries. Check the network, then try again.`, context.secret),
    "model_api",
    context.usage,
    { cause: safeCause(error, context.secret) },
  );
}

/** Maps a failed model call to an AgentError a user can act on, with the API key scrubbed. */
export function toAgentError(error: unknown, context: ModelErrorContext): AgentError {
  const { usage } = context;
  const make = (message: string, code: AgentError["code"]): AgentError =>
    new AgentError(redact(message, context.secret), code, usage, { cause: safeCause(error, context.secret) });
  const apiMessage = (e: InstanceType<typeof Anthropic.APIError>): string => redact(e.apiMessage ?? "no details", context.secret);

  if (error instanceof Anthropic.APIUserAbortError) {
    return make("The run was cancelled while waiting for the model.", "cancelled");
  }
  // The model gateway refused the call at one of the run's budgets: the run stops there, as at a budget checked here.
  if (error instanceof Anthropic.PermissionDeniedError) {
    const overrun = parseBudgetRefusal(error.headers?.get(BUDGET_REFUSAL_HEADER), error.apiMessage);
    if (overrun !== undefined) return budgetError(overrun, usage);
  }
  // Before the generic 400/403 mappings: an account out of credit is neither a bad key nor a bad request.
  if ((error instanceof Anthropic.BadRequestError || error instanceof Anthropic.PermissionDeniedError) && BILLING.test(error.apiMessage ?? error.message)) {
    return make(
      `The model API account is out of credit or over its spend limit (HTTP ${error.status}): ${apiMessage(error)}. Add credit or raise the limit in the Anthropic Console, then retry.`,
      "model_api",
    );
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
    return make(`Could not reach the model API${cause}. Check network access and ANTHROPIC_BASE_URL, then try again.`, "model_api");
  }
  if (error instanceof Anthropic.BadRequestError) {
    if (PROMPT_TOO_LONG.test(error.apiMessage ?? error.message)) return make(contextWindowMessage(), "model_api");
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

export function redact(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 8) return text;
  return text.split(secret).join("[redacted]");
}
