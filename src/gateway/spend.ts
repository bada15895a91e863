import { addUsage } from "../agent/prices.js";
import { ZERO_USAGE } from "../domain/usage.js";
import type { GatewaySpend, ModelCall } from "./gateway-types.js";

export const ZERO_SPEND: GatewaySpend = { turns: 0, usage: ZERO_USAGE, costUsd: 0 };

/**
 * A run's spend after one more recorded call. Only an answered call is a turn: the SDK
 * retries an overloaded or failed call, and a retry must not use up the turn budget. Usage
 * and cost count whatever the API reported, also for an answer that broke off.
 */
export function addCallToSpend(spend: GatewaySpend, call: ModelCall): GatewaySpend {
  const answered = call.status >= 200 && call.status < 300;
  return {
    turns: spend.turns + (answered ? 1 : 0),
    usage: addUsage(spend.usage, call.usage),
    costUsd: spend.costUsd + call.costUsd,
  };
}
