import { describe, expect, it } from "vitest";
import { parseDependsOnReferences, parseTaskListReferences, renderIssueRef } from "../../../src/task/plan/issue-references.js";

const HOME = { owner: "acme", repo: "widgets", htmlUrl: "https://github.com/acme/widgets" };
const GHES = { owner: "acme", repo: "widgets", htmlUrl: "https://ghe.example.com/acme/widgets" };
const local = (number: number) => ({ owner: "acme", repo: "widgets", number });

describe("the task list of a brief", () => {
  it("is the task-list items that start with an issue, in order, each once", () => {
    const body = [
      "We move the client to the new API.",
      "",
      "- [ ] #12",
      "- [x] #13 Add retries",
      "- [ ] acme/gadgets#4",
      "- [ ] https://github.com/acme/widgets/issues/15",
      "- [ ] [#16](https://github.com/acme/widgets/issues/16)",
      "- [ ] <https://github.com/acme/widgets/issues/17>",
      "- [ ] #12 again",
      "- [ ] Write the docs, see #20",
      "- #21 is a plain item, not a task",
      "  - [ ] #22 nested",
      "> - [ ] #30 quoted",
      "",
      "```",
      "- [ ] #31 in code",
      "```",
      "<!--",
      "- [ ] #32 hidden",
      "-->",
    ].join("\n");
    expect(parseTaskListReferences(body, HOME)).toEqual([
      local(12),
      local(13),
      { owner: "acme", repo: "gadgets", number: 4 },
      local(15),
      local(16),
      local(17),
      local(22),
    ]);
  });

  it("takes links only to its own GitHub", () => {
    const body = "- [ ] https://github.com/acme/widgets/issues/15\n- [ ] https://ghe.example.com/acme/widgets/issues/16\n";
    expect(parseTaskListReferences(body, GHES)).toEqual([local(16)]);
  });

  it("is empty for a brief without one", () => {
    expect(parseTaskListReferences(null, HOME)).toEqual([]);
    expect(parseTaskListReferences("- [ ] #0\n- [ ] abc#5\n- [ ] #5a", HOME)).toEqual([]);
  });
});

describe("`Depends on` lines", () => {
  it("name the issues a task waits on", () => {
    const body = [
      "Add retries.",
      "Depends on #12, #13 and acme/gadgets#4",
      "- **Depends on:** #14",
      "",
      "Blocked by https://github.com/acme/widgets/issues/15",
      "depends on #12",
      "This depends on #40 in passing, which does not count.",
      "",
      "> Depends on #41",
      "",
      "`Depends on #42`",
      "Depends on <!-- #43 --> #16",
      "",
      "```",
      "Depends on #44",
      "```",
    ].join("\n");
    expect(parseDependsOnReferences(body, HOME)).toEqual([
      local(12),
      local(13),
      { owner: "acme", repo: "gadgets", number: 4 },
      local(14),
      local(15),
      local(16),
    ]);
  });

  it("are read with CRLF line endings too", () => {
    expect(parseDependsOnReferences("Intro\r\nDepends on #7\r\n", HOME)).toEqual([local(7)]);
  });
});

describe("an issue's plan id", () => {
  it("is #N at home and owner/repo#N elsewhere, whatever the case", () => {
    expect(renderIssueRef({ owner: "ACME", repo: "Widgets", number: 3 }, HOME)).toBe("#3");
    expect(renderIssueRef({ owner: "Acme", repo: "Gadgets", number: 3 }, HOME)).toBe("acme/gadgets#3");
  });
});
