/**
 * What Hamster needs to know to drive one installed agent CLI (Claude Code, Codex, Aider):
 * its argv for one send, the variables it is given, and the hosts it may reach.
 *
 * The CLI brings its own tools, loop and system prompt; Hamster gives it the task in a
 * file, one instruction per `send`, and a process group it can kill. What it cannot give
 * is the isolation of the built-in loop: a CLI agent necessarily holds its own model
 * provider's key (it calls the model API itself), so that one key — and only the
 * variables its spec names — is in its environment, and everything the agent runs can
 * read it. No GitHub token or other secret of the app is ever passed.
 *
 * With a sandbox (options.sandbox), the CLI runs in it like any command. Its network is, by
 * default, an egress proxy of its own session that lets through only its model API's
 * hosts (and those an admin added): what it runs cannot reach the metadata endpoint,
 * services on the host's 127.0.0.1 or a host of its choosing. The key can still be read
 * by what the CLI runs, and sent to that model API host. With network "host", or without
 * a sandbox, it has the host's network.
 *
 * The CLIs also read configuration from the checkout itself (Claude Code's
 * `.claude/settings.json`, Aider's `.env` and `.aider.conf.yml`), which the repository's
 * authors control; that is the CLI's trust model, not something this module can change.
 */
export interface CommandAgentSpec {
  /** The `agent=` value: "claude-code", "codex", "aider". */
  readonly name: string;
  /** The command looked up on PATH: "claude", "codex", "aider". */
  readonly executable: string;
  /** argv after the executable, for one send. */
  buildArgs(call: CommandAgentCall): string[];
  /**
   * How its stdout reads. Absent: the final message, as plain text. "claude-stream-json":
   * Claude Code's event stream, which also says the tokens used and the commands run.
   */
  readonly output?: "claude-stream-json";
  /** Variables the CLI needs from the app's environment (its own API key); nothing else is passed. */
  readonly passEnv: readonly string[];
  readonly description: string;
  /**
   * Whether the run's model id means something to this CLI. The app's default model is a
   * Claude id; handing it to Codex would fail every run, so such a CLI gets no `--model`
   * and uses its own configured default. Absent: every model is passed.
   */
  acceptsModel?(model: string): boolean;
  /** Files the CLI leaves in the checkout that must never be committed (`.git/info/exclude` patterns). */
  readonly excludeFromCommit?: readonly string[];
  /** The model API hosts the CLI calls with the keys in passEnv: all it reaches through the egress proxy by default. */
  readonly allowHosts: readonly string[];
  /** passEnv variables holding a base URL that replaces the model API; when set, its host (and port) is allowed too. */
  readonly baseUrlEnv?: readonly string[];
  /** Variables always set for the CLI: its documented switches for traffic it does not need. */
  readonly fixedEnv?: Readonly<Record<string, string>>;
  /** The variables that point the CLI at a Messages API and its key: set to the gateway and the run credential when the run has one. */
  readonly modelEndpointEnv?: { readonly baseUrl: string; readonly apiKey: string };
}

/** One send, as a spec turns it into argv. */
export interface CommandAgentCall {
  /** The instruction. Never where an option could be read from it: after `--`, or as an option's value. */
  readonly prompt: string;
  /** Undefined when the run's model is not one this CLI takes. */
  readonly model: string | undefined;
  /**
   * The session's conversation: its id (a UUID), and whether an earlier send started it.
   * A CLI that can continue a conversation by id uses it; the others start afresh each send.
   */
  readonly conversation: { readonly id: string; readonly resume: boolean };
}

/** `--model` only for a model the CLI takes; without it the CLI uses its own default. */
export function buildModelArgs(model: string | undefined): string[] {
  return model === undefined ? [] : ["--model", model];
}

/** The run's model, or undefined when the spec says this CLI would not understand it. */
export function pickModel(spec: CommandAgentSpec, model: string): string | undefined {
  return spec.acceptsModel === undefined || spec.acceptsModel(model) ? model : undefined;
}
