import { resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import { parseArgs } from "node:util";
import pino from "pino";
import { createClaudeAgent } from "../agent/claude-agent.js";
import { createAgentRegistry } from "../agent/registry.js";
import { parseSettings } from "../config/env.js";
import { RUN_CREDENTIAL_VARIABLE } from "../executors/process/spawn-runner.js";
import { createProtocolClient } from "../runner/protocol-client.js";
import { runRemoteJob } from "../runner/remote-runner.js";
import { CliError } from "./cli-error.js";

export const RUNNER_USAGE = `Usage:
  hamster runner --url URL [--model-url URL] [--workdir DIR]

Runs one job of a Hamster app over its runner protocol: the run credential comes from
${RUN_CREDENTIAL_VARIABLE}, or else from the first line of standard input (never an argument).
The job's model calls go to the app's model gateway (URL/api/hamster/model) with the
credential as the API key; --model-url names another Anthropic-compatible endpoint
(a gateway elsewhere, or a test server). The job runs in a fresh clone in a temporary
directory, or with --workdir in an existing git checkout (a GitHub Actions workspace
where the repository's setup steps already ran): the job's branch is checked out there,
its untracked and ignored files (node_modules, ...) stay, and the directory is left in
place at the end. The sandbox settings come from this process's environment
(HAMSTER_SANDBOX, ...), as for the app. The exit code is 0 when
the job's outcome reached the app, whatever it was.`;

/** `hamster runner`: returns the exit code. */
export async function runRunnerCommand(args: readonly string[], io: { in: Readable; err: Writable; env: NodeJS.ProcessEnv }): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { url: { type: "string" }, "model-url": { type: "string" }, workdir: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.err.write(`${RUNNER_USAGE}\n`);
    return 0;
  }
  const url = parseHttpUrl(values.url, "--url");
  const modelUrl = values["model-url"] === undefined ? `${url.replace(/\/+$/, "")}/api/hamster/model` : parseHttpUrl(values["model-url"], "--model-url");
  if (values.workdir === "") throw new CliError(`--workdir needs a directory.\n\n${RUNNER_USAGE}`);
  const workdir = values.workdir === undefined ? undefined : resolve(values.workdir);
  const credential = io.env[RUN_CREDENTIAL_VARIABLE] ?? (await readFirstLine(io.in));
  // Read once; nothing this process starts needs to inherit it.
  delete io.env[RUN_CREDENTIAL_VARIABLE];
  if (!credential) throw new CliError(`hamster runner needs its run credential in ${RUN_CREDENTIAL_VARIABLE} or on standard input.\n\n${RUNNER_USAGE}`);
  const settings = parseSettings(io.env);
  const log = pino({ level: io.env["LOG_LEVEL"] ?? "info" }, io.err);
  try {
    // The job's agent: the built-in one, or a command-line agent found on this runner's PATH.
    // The key and the address come with each session (the model endpoint): no provider key here.
    const agents = await createAgentRegistry({
      builtin: createClaudeAgent({ maxTokens: settings.maxOutputTokens, commandTimeoutMs: settings.commandTimeoutMs, sandbox: settings.sandbox }),
      env: io.env,
      commandTimeoutMs: settings.commandTimeoutMs,
      sandbox: settings.sandbox,
      cliNetwork: settings.agentCliNetwork,
    });
    const getAgent = (name: string) => agents.available[name] ?? { unavailable: agents.explainMissing(name) };
    const client = createProtocolClient({ url, credential });
    const end = await runRemoteJob({
      client,
      getAgent,
      credential,
      modelEndpoint: { baseUrl: modelUrl, apiKey: credential },
      settings,
      log,
      ...(workdir === undefined ? {} : { workdir }),
    });
    if (end === "lost") log.warn({}, "the app no longer takes this job's outcome");
    return end === "reported" ? 0 : 1;
  } catch (error) {
    log.error({ err: error }, "the runner could not run its job");
    return 1;
  }
}

function parseHttpUrl(value: string | undefined, flag: string): string {
  if (value === undefined) throw new CliError(`hamster runner needs ${flag}.\n\n${RUNNER_USAGE}`);
  try {
    const url = new URL(value);
    if (url.protocol === "http:" || url.protocol === "https:") return value;
  } catch {
    // Said below.
  }
  throw new CliError(`${flag} must be an http(s) URL, got "${value}".`);
}

/** The first line of a stream (at most 4 KiB), without its line ending; "" when it is empty. */
async function readFirstLine(input: Readable): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
    if (text.includes("\n") || text.length > 4096) break;
  }
  return (text.split(/\r?\n/)[0] ?? "").trim();
}
