import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gatherContext } from "../../src/runner/gather-context.js";
import { buildRunRequest } from "../helpers/runs.js";

let workdir: string;

beforeEach(() => {
  workdir = mkdtempSync(join(tmpdir(), "hamster-context-"));
  writeFileSync(join(workdir, "notes.md"), "# Notes\n\nThe task's own brief.\n");
});

afterEach(() => rmSync(workdir, { recursive: true, force: true }));

describe("gatherContext: the brief", () => {
  const issues: Record<number, { title: string; body: string }> = { 10: { title: "The brief", body: "Build the widget store." } };
  const getIssue = async (number: number) => issues[number] ?? null;

  it("reads the brief a task is delivered as part of, over what the task's body links", async () => {
    const request = buildRunRequest({ issue: { number: 12, title: "Task", body: "Brief: notes.md", author: "alice", htmlUrl: "" }, brief: { number: 10 } });
    const gathered = await gatherContext(request, workdir, getIssue);
    expect(gathered.context.brief).toEqual({ source: "issue #10", text: "# The brief\n\nBuild the widget store." });
    expect(gathered.notes).toEqual([]);
  });

  it("reads the task's own brief otherwise", async () => {
    const request = buildRunRequest({ issue: { number: 12, title: "Task", body: "Brief: notes.md", author: "alice", htmlUrl: "" } });
    const gathered = await gatherContext(request, workdir, getIssue);
    expect(gathered.context.brief?.source).toBe("notes.md");
  });
});
