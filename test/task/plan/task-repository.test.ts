import { describe, expect, it } from "vitest";
import { parseTaskRepository } from "../../../src/task/plan/task-repository.js";

describe("parseTaskRepository", () => {
  it.each([
    ["repo: octo/api", { owner: "octo", repo: "api" }],
    ["Some text.\n\nRepo: octo/api.v2\n", { owner: "octo", repo: "api.v2" }],
    ["- **repo:** `octo/api`", { owner: "octo", repo: "api" }],
    ["repo: octo/api\r\nrepo: OCTO/API", { owner: "octo", repo: "api" }],
  ])("reads %j", (body, repository) => {
    expect(parseTaskRepository(body)).toEqual({ ok: true, repository });
  });

  it.each([
    [null],
    ["No repository here."],
    ["The repo: octo/api is mentioned in a sentence."],
    ["```\nrepo: octo/api\n```"],
    ["> repo: octo/api"],
    ["<!--\nrepo: octo/api\n-->"],
  ])("finds none in %j", (body) => {
    expect(parseTaskRepository(body)).toEqual({ ok: true, repository: null });
  });

  it("refuses a malformed name and two repositories", () => {
    expect(parseTaskRepository("repo: just-a-name")).toEqual({ ok: false, problem: "`repo: just-a-name` does not name a repository as `repo: owner/name`" });
    expect(parseTaskRepository("repo: octo/api\nrepo: octo/web")).toEqual({ ok: false, problem: "it names 2 repositories (octo/api, octo/web); a task's code is in one" });
  });
});
