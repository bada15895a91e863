import type { ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Executor } from "../../src/executors/executor.js";
import { createJobBoard, type JobBoard } from "../../src/executors/process/job-board.js";
import { createProcessExecutor } from "../../src/executors/process/process-executor.js";
import { killRunner } from "../../src/executors/process/spawn-runner.js";
import { createRunnerProtocolHandler } from "../../src/server/runner-protocol.js";
import { createFakeRunCredentials } from "./fake-run-credentials.js";
import { startScriptedModelServer, type ScriptedModelServer, type ScriptedTurn } from "./scripted-model-server.js";

/** A scripted delivery of retry.js: the plan, the file created, the implementer done, the report. */
export const RETRY_TURNS = {
  plan: { content: [{ type: "text", text: "1. Add retry.js with the retry count" }], stop_reason: "end_turn" },
  createFile: {
    content: [{ type: "tool_use", id: "toolu_1", name: "str_replace_based_edit_tool", input: { command: "create", path: "retry.js", file_text: "export const retries = 3;\n" } }],
    stop_reason: "tool_use",
  },
  done: { content: [{ type: "text", text: "Added retry.js." }], stop_reason: "end_turn" },
  report: { content: [{ type: "text", text: "Summary: added retries." }], stop_reason: "end_turn" },
} as const satisfies Record<string, ScriptedTurn>;

export interface RunnerLaunchOptions {
  /** What the runner's environment is built from (see buildRunnerEnv). */
  readonly runnerEnv: NodeJS.ProcessEnv;
  /** Starts the runner with its environment, its model at `modelUrl`. */
  spawnRunner(env: Record<string, string>, modelUrl: string): ChildProcess;
}

/**
 * The app's side of a runner process, on 127.0.0.1: the job board, fake run credentials and
 * the runner protocol on an HTTP server; each executor gets a scripted model in place of the
 * gateway. `close` stops the runner (its process group), the model and the server.
 */
export interface RunnerHarness {
  readonly board: JobBoard;
  readonly credentials: ReturnType<typeof createFakeRunCredentials>;
  readonly appUrl: string;
  /** The latest executor's scripted model. */
  readonly model: ScriptedModelServer | undefined;
  /** The latest runner an executor started. */
  readonly runner: ChildProcess | undefined;
  /** A process executor whose runner talks to a model scripted with `turns` (one executor a harness). */
  startExecutor(turns: readonly ScriptedTurn[], launch: RunnerLaunchOptions): Promise<Executor>;
  close(): Promise<void>;
}

export async function startRunnerHarness(): Promise<RunnerHarness> {
  const board = createJobBoard();
  const credentials = createFakeRunCredentials();
  const handler = createRunnerProtocolHandler({ board, credentials });
  const server = createServer((req, res) => {
    void Promise.resolve(handler(req, res)).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let model: ScriptedModelServer | undefined;
  let runner: ChildProcess | undefined;
  return {
    board,
    credentials,
    appUrl,
    get model() {
      return model;
    },
    get runner() {
      return runner;
    },
    async startExecutor(turns, launch) {
      const modelUrl = (model = await startScriptedModelServer(turns)).url;
      return createProcessExecutor({
        board,
        credentials,
        appUrl,
        runnerEnv: launch.runnerEnv,
        spawnRunner: (env) => (runner = launch.spawnRunner(env, modelUrl)),
      });
    },
    async close() {
      if (runner) await killRunner(runner);
      await model?.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
