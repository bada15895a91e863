import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTask } from "../../../src/task/parse-task.js";
import { parseTaskMasterFile } from "../../../src/task/taskmaster/parse-taskmaster.js";
import {
  MAX_TASK_ISSUE_BODY_CHARS,
  parseTaskMarker,
  renderTaskIssueBody,
  renderTaskIssueTitle,
  renderTaskMarker,
} from "../../../src/task/taskmaster/render-task-issue.js";
import type { TaskMasterTask } from "../../../src/task/taskmaster/taskmaster-plan.js";

const TAGGED = readFileSync(new URL("../../../fixtures/taskmaster/tagged-tasks.json", import.meta.url), "utf8");

function importedTasks(): readonly TaskMasterTask[] {
  const result = parseTaskMasterFile(TAGGED);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan.tasks;
}

const LOGIN = importedTasks()[1]!;
const SESSIONS = importedTasks()[0]!;

describe("the issue of an imported task", () => {
  it("reads back as the same task: description and details, criteria, subtasks", () => {
    const body = renderTaskIssueBody({ task: LOGIN, tag: "master" });
    expect(body).toBe(
      [
        "<!-- hamster:task-master tag=master id=2 -->",
        "",
        "POST /login checks the password and starts a session.",
        "",
        "Use the session store.",
        "",
        "From Task Master: task 2, priority high.",
        "",
        "## Acceptance criteria",
        "",
        "- A correct password starts a session; a wrong one does not.",
        "- Passwords are compared in constant time",
        "- A failed login is logged without the password",
        "",
      ].join("\n"),
    );
    const task = parseTask({ number: 12, title: renderTaskIssueTitle(LOGIN), body });
    expect(task).toMatchObject({
      title: "Add the login endpoint",
      description: "POST /login checks the password and starts a session.\n\nUse the session store.\n\nFrom Task Master: task 2, priority high.",
      acceptanceCriteria: [
        "A correct password starts a session; a wrong one does not.",
        "Passwords are compared in constant time",
        "A failed login is logged without the password",
      ],
      subtasks: [],
    });
  });

  it("lists the subtasks as a checklist, done ones checked", () => {
    const body = renderTaskIssueBody({ task: { ...SESSIONS, subtasks: [{ ...SESSIONS.subtasks[0]!, done: true }, SESSIONS.subtasks[1]!] }, tag: "master" });
    expect(body).toContain("## Subtasks\n\n- [x] Create the table: A migration.\n- [ ] Read and write sessions\n");
    expect(parseTask({ number: 1, title: "t", body }).subtasks).toEqual([
      { text: "Create the table: A migration.", done: true },
      { text: "Read and write sessions", done: false },
    ]);
  });

  it("keeps a multi-line criterion in one item, and a subtask on one line", () => {
    const task: TaskMasterTask = {
      ...SESSIONS,
      testStrategy: "Restart the app.\nThe session is still there.",
      subtasks: [{ id: "1.1", title: "Two\nlines", description: "and\n\nmore", done: false }],
    };
    const parsed = parseTask({ number: 1, title: "t", body: renderTaskIssueBody({ task, tag: "master" }) });
    expect(parsed.acceptanceCriteria).toEqual(["Restart the app.\nThe session is still there."]);
    expect(parsed.subtasks).toEqual([{ text: "Two lines: and more", done: false }]);
  });

  it("writes the issues it depends on as `Depends on` lines, for hosts without issue dependencies", () => {
    const body = renderTaskIssueBody({ task: LOGIN, tag: "master", dependsOn: [12, 13] });
    expect(body).toContain("\n\nDepends on #12, #13\n\n");
  });

  it("has no sections for what the task does not have", () => {
    const body = renderTaskIssueBody({ task: { ...SESSIONS, testStrategy: "", acceptanceCriteria: [], subtasks: [], priority: null }, tag: "master" });
    expect(body).toBe("<!-- hamster:task-master tag=master id=1 -->\n\nKeep sessions in SQLite.\n\nOne table, keyed by the session id.\n\nFrom Task Master: task 1.\n");
  });

  it("stays within GitHub's limit, saying what was cut", () => {
    const body = renderTaskIssueBody({ task: { ...LOGIN, details: "x".repeat(200_000) }, tag: "master" });
    expect(body.length).toBeLessThanOrEqual(MAX_TASK_ISSUE_BODY_CHARS);
    expect(body).toContain("more characters of the task's details are in the tasks file");
    expect(body).toContain("## Acceptance criteria");
  });

  it("keeps the title on one line, within GitHub's limit", () => {
    expect(renderTaskIssueTitle({ ...LOGIN, title: "Add\nthe  endpoint" })).toBe("Add the endpoint");
    expect(renderTaskIssueTitle({ ...LOGIN, title: "a".repeat(300) })).toHaveLength(256);
  });
});

describe("the task marker", () => {
  it("round-trips the tag and the id, whatever they hold", () => {
    for (const marker of [{ tag: "master", id: "3" }, { tag: "feature/x y", id: "HAM-1" }, { tag: "a-->b", id: "1" }]) {
      const rendered = renderTaskMarker(marker);
      expect(rendered).toMatch(/^<!-- hamster:task-master tag=\S+ id=\S+ -->$/);
      expect(parseTaskMarker(`${rendered}\nrest`)).toEqual(marker);
    }
  });

  it("is read from the first line only, and is invisible to the agent", () => {
    const body = renderTaskIssueBody({ task: LOGIN, tag: "master" });
    expect(parseTaskMarker(body)).toEqual({ tag: "master", id: "2" });
    expect(parseTaskMarker(`Quoted from elsewhere:\n${renderTaskMarker({ tag: "master", id: "2" })}`)).toBeNull();
    expect(parseTaskMarker(null)).toBeNull();
    expect(parseTaskMarker("<!-- hamster:task-master tag=%E0 id=1 -->")).toBeNull();
    expect(parseTask({ number: 1, title: "t", body }).description).not.toContain("hamster:");
  });
});
