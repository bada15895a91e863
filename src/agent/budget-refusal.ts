import type { BudgetOverrun } from "./budget.js";
import type { BudgetName } from "./provider.js";

/**
 * How the model gateway tells an agent that a run's budget is spent: HTTP 403 with the
 * budget's name in this header and the overrun's detail in the error message. The gateway
 * renders it, the agent parses it back (one pair, so the two cannot drift apart) and then
 * stops the run exactly as a budget it checked itself would.
 */
export const BUDGET_REFUSAL_HEADER = "x-hamster-budget";

const MESSAGE_PREFIX = "Hamster: the run's budget is spent: ";
const MAX_DETAIL_CHARS = 200;

const BUDGET_LABELS: Readonly<Record<BudgetName, string>> = {
  turns: "the turn budget",
  input_tokens: "the input token budget",
  output_tokens: "the output token budget",
  cost: "the cost budget",
  wall_clock: "the wall-clock budget",
};

export interface BudgetRefusal {
  readonly headerValue: BudgetName;
  /** The `error.message` of the Anthropic-shaped body. */
  readonly message: string;
}

export function renderBudgetRefusal(overrun: BudgetOverrun): BudgetRefusal {
  return { headerValue: overrun.budget, message: `${MESSAGE_PREFIX}${overrun.detail}.` };
}

/**
 * The overrun a 403 stands for, from its `x-hamster-budget` header and its message; undefined
 * when the header is absent or names no budget (a 403 from the model API itself). A message
 * in another form still yields the budget, with a plainer detail.
 */
export function parseBudgetRefusal(headerValue: string | null | undefined, message: string | null | undefined): BudgetOverrun | undefined {
  const budget = headerValue?.trim();
  if (budget === undefined || !Object.hasOwn(BUDGET_LABELS, budget)) return undefined;
  const name = budget as BudgetName;
  const rendered = message?.startsWith(MESSAGE_PREFIX) === true && message.endsWith(".") ? message.slice(MESSAGE_PREFIX.length, -1) : "";
  // The detail ends up in the check run: only a short one, as the gateway renders them, is kept.
  const detail = rendered.startsWith(BUDGET_LABELS[name]) && rendered.length <= MAX_DETAIL_CHARS ? rendered : `${BUDGET_LABELS[name]}, as the model gateway counts it`;
  return { budget: name, detail };
}

/**
 * A gateway refusal quoted in free text: what a command-line agent prints when the gateway
 * refused its model call (it shows the error's message, not the header). Undefined when
 * the text quotes none.
 */
export function findBudgetRefusalInText(text: string): BudgetOverrun | undefined {
  const at = text.indexOf(MESSAGE_PREFIX);
  if (at < 0) return undefined;
  const rest = text.slice(at + MESSAGE_PREFIX.length);
  for (const [name, label] of Object.entries(BUDGET_LABELS) as [BudgetName, string][]) {
    if (!rest.startsWith(label)) continue;
    // The message ends at a full stop before a quote, a space or the end (not one inside "$0.05").
    const sentence = /^(.*?\.)(?=["'\s]|$)/.exec(rest)?.[1] ?? rest;
    return parseBudgetRefusal(name, `${MESSAGE_PREFIX}${sentence}`);
  }
  return undefined;
}
