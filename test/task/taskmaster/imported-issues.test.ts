import { describe, expect, it } from "vitest";
import type { BriefIssue } from "../../../src/task/plan/brief-plan.js";
import { findImportedIssues, normalizeIssueText, renderBriefTaskList } from "../../../src/task/taskmaster/imported-issues.js";
import { renderTaskMarker } from "../../../src/task/taskmaster/render-task-issue.js";

const HOME = { owner: "acme", repo: "widgets", htmlUrl: "https://github.com/acme/widgets" };

function issue(number: number, body: string | null): BriefIssue {
  return { ref: { owner: "acme", repo: "widgets", number }, id: number, title: "t", body, htmlUrl: "", author: "alice", state: "open", stateReason: null, blockedBy: [] };
}

describe("finding what an earlier import created", () => {
  it("takes the first issue with each task's marker of the tag, and nothing else", () => {
    const found = findImportedIssues(
      [
        issue(12, `${renderTaskMarker({ tag: "master", id: "1" })}\nbody`),
        issue(13, `${renderTaskMarker({ tag: "master", id: "1" })}\ncopy`),
        issue(14, `${renderTaskMarker({ tag: "feature", id: "2" })}\nbody`),
        issue(15, "Written by hand"),
        issue(16, null),
      ],
      "master",
    );
    expect([...found].map(([id, i]) => [id, i.ref.number])).toEqual([["1", 12]]);
  });
});

describe("the brief's task list", () => {
  it("gets the issues it does not list yet, after what is there", () => {
    expect(renderBriefTaskList("Why.\n\n- [ ] #12\n", [12, 13, 14], HOME)).toBe("Why.\n\n- [ ] #12\n\n- [ ] #13\n- [ ] #14\n");
    expect(renderBriefTaskList(null, [12], HOME)).toBe("- [ ] #12\n");
  });

  it("is left alone when it lists them all", () => {
    expect(renderBriefTaskList("- [x] #12\n- [ ] #13", [13, 12], HOME)).toBeNull();
  });

  it("does not count another repository's issue of the same number", () => {
    expect(renderBriefTaskList("- [ ] acme/gadgets#12\n", [12], HOME)).toBe("- [ ] acme/gadgets#12\n\n- [ ] #12\n");
  });
});

describe("comparing issue text", () => {
  it("ignores line endings and trailing whitespace, as GitHub may give them back", () => {
    expect(normalizeIssueText("a\r\nb\n\n")).toBe(normalizeIssueText("a\nb"));
    expect(normalizeIssueText(null)).toBe("");
  });
});
