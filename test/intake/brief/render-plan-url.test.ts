import { describe, expect, it } from "vitest";
import { renderPlanUrl } from "../../../src/intake/brief/deliver-brief.js";
import type { Brief } from "../../../src/store/brief-store.js";
import { buildRunRequest } from "../../helpers/runs.js";

function buildBrief(overrides: Partial<Brief>): Brief {
  return {
    id: 1,
    installationId: 1,
    repoId: 42,
    repoOwner: "acme",
    repoName: "widgets",
    issueNumber: 7,
    state: "active",
    trigger: "comment",
    requestedBy: "octocat",
    request: buildRunRequest(),
    parallel: 2,
    stack: false,
    planCommentId: 99,
    createdAt: "2026-12-05T00:00:00Z",
    updatedAt: "2026-12-05T00:00:00Z",
    ...overrides,
  } as Brief;
}

describe("renderPlanUrl", () => {
  it("links the plan table on the brief's issue, also when the code goes to another repository", () => {
    const request = buildRunRequest();
    expect(renderPlanUrl(buildBrief({ request }))).toBe(`${request.repo.htmlUrl}/issues/7#issuecomment-99`);
    const elsewhere = buildRunRequest({ issueRepo: { id: 7, owner: "acme", name: "plans", htmlUrl: "https://github.com/acme/plans" } });
    expect(renderPlanUrl(buildBrief({ request: elsewhere }))).toBe("https://github.com/acme/plans/issues/7#issuecomment-99");
    expect(renderPlanUrl(buildBrief({ planCommentId: null }))).toBeUndefined();
  });
});
