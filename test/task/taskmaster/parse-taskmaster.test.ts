import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseTaskMasterFile } from "../../../src/task/taskmaster/parse-taskmaster.js";
import { renderPlanProblem, validatePlanGraph } from "../../../src/task/plan/plan-graph.js";
import { buildPlanTasks, renderTaskFileProblem, renderTaskMasterName, type TaskFileParse, type TaskFileProblem, type TaskMasterPlan } from "../../../src/task/taskmaster/taskmaster-plan.js";

const LEGACY = readFileSync(new URL("../../../fixtures/taskmaster/legacy-tasks.json", import.meta.url), "utf8");
const TAGGED = readFileSync(new URL("../../../fixtures/taskmaster/tagged-tasks.json", import.meta.url), "utf8");

function planOf(result: TaskFileParse): TaskMasterPlan {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.problems)}`);
  return result.plan;
}

function problemsOf(result: TaskFileParse): readonly TaskFileProblem[] {
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.plan)}`);
  return result.problems;
}

function taskFile(tasks: unknown[]): string {
  return JSON.stringify({ tasks }, null, 2);
}

describe("the legacy layout {\"tasks\": […]}", () => {
  const plan = planOf(parseTaskMasterFile(LEGACY));

  it("keeps the tasks still to do, in the file's order, and says which were skipped", () => {
    expect(plan).toMatchObject({ tag: "master", layout: "legacy" });
    expect(plan.tasks.map((t) => t.id)).toEqual(["2", "3", "4"]);
    expect(plan.skipped).toEqual([
      { id: "1", status: "done" },
      { id: "5", status: "cancelled" },
    ]);
  });

  it("reads every documented field", () => {
    expect(plan.tasks[0]).toEqual({
      id: "2",
      title: "Add the HTTP client",
      description: "A small client for the widgets API.",
      details: "Wrap fetch; read the base URL from WIDGETS_URL.\nTime out after 10 seconds.",
      testStrategy: "Unit tests against a local fake server.",
      acceptanceCriteria: [],
      priority: "high",
      status: "pending",
      // Task 1 is done: nothing to wait for.
      dependsOn: [],
      subtasks: [
        { id: "2.1", title: "Define the request and response types", description: "One type per endpoint.", done: true },
        { id: "2.2", title: "Implement GET and POST", description: "With JSON bodies.", done: false },
      ],
    });
  });

  it("turns a subtask's dotted dependency into a dependency of its task on the other task", () => {
    expect(plan.tasks.find((t) => t.id === "3")?.dependsOn).toEqual(["2"]);
    expect(plan.tasks.find((t) => t.id === "4")?.dependsOn).toEqual(["2", "3"]);
  });
});

describe("the tagged layout {\"master\": {\"tasks\": […]}}", () => {
  it("reads the master tag by default, with string ids", () => {
    const plan = planOf(parseTaskMasterFile(TAGGED));
    expect(plan).toMatchObject({ tag: "master", layout: "tagged" });
    expect(plan.tasks.map((t) => [t.id, t.dependsOn])).toEqual([
      ["1", []],
      ["2", ["1"]],
      // "1.2" is a subtask of task 1: task 3 waits on task 1's issue.
      ["3", ["1"]],
      // The subtask's "3" names no sibling, so it is task 3; "0" is done.
      ["4", ["2", "3"]],
    ]);
    expect(plan.skipped).toEqual([{ id: "0", status: "done" }]);
  });

  it("reads acceptance criteria written as a markdown list or as a list of strings", () => {
    const plan = planOf(parseTaskMasterFile(TAGGED));
    expect(plan.tasks[1]?.acceptanceCriteria).toEqual(["Passwords are compared in constant time", "A failed login is logged without the password"]);
    expect(plan.tasks[2]?.acceptanceCriteria).toEqual(["The session row is deleted", "The cookie is cleared"]);
  });

  it("reads another tag when asked", () => {
    const plan = planOf(parseTaskMasterFile(TAGGED, { tag: "feature-audit" }));
    expect(plan.tag).toBe("feature-audit");
    expect(plan.tasks.map((t) => t.title)).toEqual(["Record an audit event per login"]);
  });

  it("names the tags there are when the one asked for is not there", () => {
    const [problem] = problemsOf(parseTaskMasterFile(TAGGED, { tag: "feature-x" }));
    expect(problem?.message).toBe('the file has no tag "feature-x"; its tags are "master", "feature-audit"');
  });

  it("refuses a tag for a file that has none", () => {
    const [problem] = problemsOf(parseTaskMasterFile(LEGACY, { tag: "feature-x" }));
    expect(problem?.message).toMatch(/the file has no tags .*no tag "feature-x"/);
  });

  it("does not check the shape of the tags it does not read", () => {
    const file = JSON.stringify({ master: { tasks: [{ id: 1, title: "One" }] }, broken: { tasks: "not a list" } });
    expect(planOf(parseTaskMasterFile(file)).tasks).toHaveLength(1);
  });
});

describe("dependencies", () => {
  it("keeps a dependency on a task that is not in the file, as written, for the plan to report", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "One", dependencies: [9] },
      { id: 2, title: "Two", dependencies: ["1.7"] },
    ])));
    expect(plan.tasks.map((t) => t.dependsOn)).toEqual([["9"], ["1.7"]]);
  });

  it("gives the plan the file's order, and the plan names what is missing", () => {
    const legacy = validatePlanGraph(buildPlanTasks(planOf(parseTaskMasterFile(LEGACY))));
    expect(legacy.ok && legacy.graph.order).toEqual(["2", "3", "4"]);
    const plan = planOf(parseTaskMasterFile(taskFile([{ id: 1, title: "One", dependencies: [2] }, { id: 2, title: "Two", dependencies: [9, 1] }])));
    const result = validatePlanGraph(buildPlanTasks(plan));
    if (result.ok) throw new Error("expected problems");
    expect(result.problems.map((p) => renderPlanProblem(p, renderTaskMasterName))).toEqual([
      "task 2 depends on task 9, which is not a task of this plan",
      "a dependency cycle, where each task waits on the next: task 1 → task 2 → task 1",
    ]);
  });

  it("drops a dependency on a done subtask of a pending task", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "One", status: "pending", subtasks: [{ id: 1, title: "Part", status: "done" }] },
      { id: 2, title: "Two", dependencies: ["1.1"] },
    ])));
    expect(plan.tasks[1]?.dependsOn).toEqual([]);
  });

  it("reads a plain number in a subtask as a sibling subtask first, as Task Master does", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "One" },
      { id: 2, title: "Two", subtasks: [{ id: 1, title: "a" }, { id: 2, title: "b", dependencies: [1] }] },
    ])));
    expect(plan.tasks[1]?.dependsOn).toEqual([]);
  });

  it("ignores a subtask that names its own task", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([{ id: 2, title: "Two", subtasks: [{ id: 1, title: "a", dependencies: [2] }] }])));
    expect(plan.tasks[0]?.dependsOn).toEqual([]);
  });

  it("keeps a task that names itself, so the plan reports the cycle", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([{ id: 1, title: "One", dependencies: [1] }])));
    expect(plan.tasks[0]?.dependsOn).toEqual(["1"]);
  });

  it("counts each dependency once", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "One", subtasks: [{ id: 1, title: "a" }, { id: 2, title: "b" }] },
      { id: 2, title: "Two", dependencies: [1, "1"], subtasks: [{ id: 1, title: "c", dependencies: ["1.1", "1.2"] }] },
    ])));
    expect(plan.tasks[1]?.dependsOn).toEqual(["1"]);
  });
});

describe("statuses", () => {
  it("skips done, completed and cancelled tasks whatever their case, and keeps every other status", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "a", status: "Done" },
      { id: 2, title: "b", status: "completed" },
      { id: 3, title: "c", status: "cancelled" },
      { id: 4, title: "d", status: "deferred" },
      { id: 5, title: "e", status: "blocked" },
      { id: 6, title: "f" },
    ])));
    expect(plan.tasks.map((t) => [t.id, t.status])).toEqual([
      ["4", "deferred"],
      ["5", "blocked"],
      ["6", "pending"],
    ]);
  });

  it("leaves cancelled subtasks out and marks done ones", () => {
    const plan = planOf(parseTaskMasterFile(taskFile([
      { id: 1, title: "a", subtasks: [{ id: 1, title: "x", status: "done" }, { id: 2, title: "y", status: "cancelled" }, { id: 3, title: "z" }] },
    ])));
    expect(plan.tasks[0]?.subtasks.map((s) => [s.id, s.done])).toEqual([
      ["1.1", true],
      ["1.3", false],
    ]);
  });
});

describe("a file that is not valid JSON", () => {
  it("says where: line and column", () => {
    const text = '{\n  "tasks": [\n    { "id": 1, "title": "One", },\n  ]\n}\n';
    const [problem] = problemsOf(parseTaskMasterFile(text));
    expect(problem).toEqual({ message: 'not valid JSON: expected a property name in double quotes, found "}"', path: null, line: 3, column: 32 });
    expect(renderTaskFileProblem(problem!, "tasks.json")).toBe('tasks.json, line 3, column 32: not valid JSON: expected a property name in double quotes, found "}"');
  });

  it.each([
    ["", 1, 1, "expected a value, found the end of the file"],
    ['{"tasks": [', 1, 12, "expected a value, found the end of the file"],
    ['{"tasks": []} x', 1, 15, "expected the end of the file after the JSON value"],
    ['{"tasks": [\n  {"title": "a\nb"}]}', 2, 15, "a line break or control character inside a string"],
    ['{"tasks": [\n  {"title": "never closed}]}', 2, 13, "a string that is never closed"],
    ["{'tasks': []}", 1, 2, "expected a property name in double quotes"],
    ['{"tasks": [01]}', 1, 13, "expected ',' or ']'"],
  ])("%j at line %i, column %i", (text, line, column, message) => {
    const [problem] = problemsOf(parseTaskMasterFile(text));
    expect(problem).toMatchObject({ line, column });
    expect(problem?.message).toContain(message);
  });

  it("reads a file that starts with a byte-order mark", () => {
    expect(planOf(parseTaskMasterFile(`\uFEFF${taskFile([{ id: 1, title: "a" }])}`)).tasks).toHaveLength(1);
  });

  it("stops at a nesting depth no task file reaches, without overflowing the stack", () => {
    const [problem] = problemsOf(parseTaskMasterFile("[".repeat(100_000)));
    expect(problem?.message).toContain("nested more than 256 levels deep");
  });
});

describe("a shape it does not know", () => {
  it("names each wrong value by its path and its line, all at once", () => {
    const text = taskFile([
      { id: 1, title: "One", dependencies: "2" },
      { id: "a b", title: "" },
      { title: "No id", subtasks: [{ id: 1, title: 7 }] },
    ]);
    const problems = problemsOf(parseTaskMasterFile(text));
    const lines = text.split("\n");
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(problems).toEqual([
      { path: "tasks[0].dependencies", message: "must be a list of task ids", line: lineOf('"dependencies": "2"'), column: 23 },
      { path: "tasks[1].id", message: 'must be a whole number or a short id such as "3" or "HAM-1"', line: lineOf('"id": "a b"'), column: 13 },
      { path: "tasks[1].title", message: "must be a non-empty title", line: lineOf('"title": ""'), column: 16 },
      // A missing field points at the object that lacks it.
      { path: "tasks[2].id", message: 'is missing: it must be a whole number or a short id such as "3" or "HAM-1"', line: lineOf('"title": "No id"') - 1, column: 5 },
      { path: "tasks[2].subtasks[0].title", message: "must be a non-empty title", line: lineOf('"title": 7'), column: 20 },
    ]);
  });

  it.each([
    ["[]", "the file must be a JSON object"],
    ["{}", 'the file has no "tasks" list and no tag holding one'],
    ['{"tasks": {}}', "must be a list of tasks"],
    ['{"master": []}', 'must be an object with a "tasks" list'],
    ['{"tasks": [{"id": 1.5, "title": "a"}]}', "must be a whole number"],
    ['{"tasks": [{"id": 1, "title": "a", "dependencies": ["1.2.3"]}]}', 'must be a task id such as 3 or "3", or a subtask such as "3.2"'],
    ['{"tasks": [{"id": 1, "title": "a", "acceptanceCriteria": 3}]}', "must be text or a list of texts"],
  ])("%s", (text, message) => {
    const [problem] = problemsOf(parseTaskMasterFile(text));
    expect(problem?.message).toContain(message);
  });

  it("refuses an id used twice, saying where the first one is", () => {
    const problems = problemsOf(parseTaskMasterFile(taskFile([{ id: 1, title: "a" }, { id: "1", title: "b", subtasks: [{ id: 1, title: "x" }, { id: 1, title: "y" }] }])));
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ["tasks[1].id", "task id 1 is used twice (first at tasks[0])"],
      ["tasks[1].subtasks[1].id", "subtask id 1.1 is used twice (first at tasks[1].subtasks[0])"],
    ]);
  });

  it("quotes a tag that is not an identifier in a path", () => {
    const [problem] = problemsOf(parseTaskMasterFile(JSON.stringify({ "my tag": { tasks: [{ id: 1 }] } }), { tag: "my tag" }));
    expect(problem?.path).toBe('["my tag"].tasks[0].title');
  });
});
