import { describe, expect, it } from "vitest";
import { AgentError } from "../../src/agent/provider.js";
import { RunFailure } from "../../src/domain/run-failure.js";
import { JobStopped } from "../../src/runner/event-sender.js";
import { describeRunnerFailure } from "../../src/runner/remote-runner.js";
import { WorkspaceError } from "../../src/workspace/workspace.js";

const running = new AbortController().signal;

describe("describeRunnerFailure", () => {
  it("keeps an AgentError's code and budget, so the app ends the run as it would a local one", () => {
    expect(describeRunnerFailure(new AgentError("The cost budget is spent.", "budget", undefined, { budget: "cost" }), running)).toEqual({
      message: "The cost budget is spent.",
      code: "budget",
      budget: "cost",
    });
    expect(describeRunnerFailure(new AgentError("Cancelled.", "cancelled"), running)).toEqual({ message: "Cancelled.", code: "cancelled" });
  });

  it("calls a stop from the app a cancel, also when it surfaces as another error", () => {
    expect(describeRunnerFailure(new JobStopped("The run was cancelled."), running)).toEqual({ message: "The run was cancelled.", code: "cancelled" });
    const stopped = new AbortController();
    stopped.abort(new JobStopped("The app is shutting down."));
    expect(describeRunnerFailure(new Error("command killed"), stopped.signal)).toEqual({ message: "The app is shutting down.", code: "cancelled" });
    // The stop wins over the agent's own account of it, as in a local run.
    const cancelled = new AbortController();
    cancelled.abort(new JobStopped("Cancelled by @writer."));
    expect(describeRunnerFailure(new AgentError("The run was cancelled while a tool was running.", "cancelled"), cancelled.signal)).toEqual({
      message: "Cancelled by @writer.",
      code: "cancelled",
    });
  });

  it("passes on messages written for the user, and says when a fault is not one", () => {
    expect(describeRunnerFailure(new RunFailure("The setup command failed."), running)).toEqual({ message: "The setup command failed." });
    expect(describeRunnerFailure(new WorkspaceError("git_failed", "Hamster could not commit."), running)).toEqual({ message: "Hamster could not commit." });
    expect(describeRunnerFailure(new TypeError("x is undefined"), running)).toEqual({ message: "The runner hit an unexpected error: x is undefined" });
    expect(describeRunnerFailure(new RunFailure("x".repeat(30_000)), running).message).toHaveLength(20_000);
  });
});
