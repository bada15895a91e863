import { describe, expect, it } from "vitest";
import { parseIssueClosed, parsePullRequestClosed } from "../../../src/intake/brief/brief-events.js";
import { isBriefIssue } from "../../../src/intake/brief/deliver-brief.js";
import type { TriggerEvent } from "../../../src/intake/trigger-event.js";
import { loadExample } from "../../helpers/app.js";

describe("the events that move a brief on", () => {
  it("reads a merged pull request, and one closed without merging", () => {
    const payload = loadExample("pull_request", "closed");
    payload.pull_request.merged = true;
    expect(parsePullRequestClosed(payload as never)).toEqual({ repoId: payload.repository.id, number: payload.pull_request.number, merged: true });
    payload.pull_request.merged = false;
    expect(parsePullRequestClosed(payload as never)?.merged).toBe(false);
    // Some payloads carry only the time of the merge.
    delete payload.pull_request.merged;
    payload.pull_request.merged_at = "2026-11-24T10:00:00Z";
    expect(parsePullRequestClosed(payload as never)?.merged).toBe(true);
    expect(parsePullRequestClosed({ ...payload, action: "opened" } as never)).toBeNull();
  });

  it("reads an issue closed, with GitHub's reason, and ignores pull requests", () => {
    const payload = loadExample("issues", "labeled");
    Object.assign(payload, { action: "closed" });
    payload.issue.state_reason = "not_planned";
    expect(parseIssueClosed(payload as never)).toEqual({ owner: payload.repository.owner.login, repo: payload.repository.name, number: payload.issue.number, stateReason: "not_planned" });
    delete payload.issue.state_reason;
    expect(parseIssueClosed(payload as never)?.stateReason).toBeNull();
    expect(parseIssueClosed({ ...payload, issue: { ...payload.issue, pull_request: {} } } as never)).toBeNull();
  });
});

describe("isBriefIssue: what the label delivers as a brief", () => {
  const event = (body: string, subIssues?: number): TriggerEvent => ({
    kind: "label",
    deliveryId: "d",
    installationId: 1,
    sender: { id: 1, login: "alice", isBot: false },
    repo: { id: 1, owner: "acme", name: "widgets", cloneUrl: "", defaultBranch: "main", htmlUrl: "https://github.com/acme/widgets" },
    issue: { number: 10, title: "t", body, author: "alice", htmlUrl: "", isPullRequest: false, milestone: null, ...(subIssues !== undefined ? { subIssues } : {}) },
  });

  it("is an issue with sub-issues, or whose task list names issues", () => {
    expect(isBriefIssue(event("", 2))).toBe(true);
    expect(isBriefIssue(event("- [ ] #12\n- [x] acme/widgets#13"))).toBe(true);
    expect(isBriefIssue(event("- [ ] Add retries\n- [ ] Add logging", 0))).toBe(false);
    expect(isBriefIssue(event("Related to #12."))).toBe(false);
  });
});
