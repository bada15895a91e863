import type { AgentProvider, ModelEndpoint } from "../../agent/provider.js";
import type { AppSettings } from "../../config/env.js";
import { runJob } from "../../runner/run-job.js";
import type { Executor } from "../executor.js";

/** The stages run in the app's own process, with the agent's commands in the sandbox, in the job's checkout. */
export function createLocalExecutor(deps: {
  agent: AgentProvider;
  /** The model gateway and the run credential (the app); absent: `apiKey` (a local `hamster run`). */
  modelEndpoint?: ModelEndpoint;
  apiKey?: string;
  settings: Pick<AppSettings, "sandbox" | "setupNetwork" | "commandTimeoutMs">;
  log?: { info(details: object, message: string): void };
}): Executor {
  return {
    name: "local",
    run: (job, io) =>
      runJob(job, io, {
        agent: deps.agent,
        ...(deps.modelEndpoint ? { modelEndpoint: deps.modelEndpoint } : deps.apiKey ? { apiKey: deps.apiKey } : {}),
        settings: deps.settings,
        workdir: job.checkoutDir,
        ...(deps.log ? { log: deps.log } : {}),
      }),
  };
}
