import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { canAdministerInstallation, MAX_REPOSITORIES_FOR_REPO_ADMINS } from "../../src/console/installation-admin.js";
import type { ConsoleAccess, ConsoleContext, ReachableRepo } from "../../src/console/console-request.js";
import type { GitHubClient } from "../../src/github/client.js";
import { disableNetwork, TestOctokit } from "../helpers/app.js";

/* Who administers an installation: its account's admins, or whoever administers every repository it covers. */

const API = "https://api.github.com";
const INSTALLATION = 7;

function contextFor(login: string, options: { accountAdmin: boolean; repos: ReachableRepo[] }): ConsoleContext {
  const access: ConsoleAccess = {
    installationIds: async () => [INSTALLATION],
    canSeeRepo: async (installationId, repoId) => options.repos.some((repo) => repo.installationId === installationId && repo.repoId === repoId),
    reachableRepos: async () => options.repos,
    isInstallationAdmin: async () => options.accountAdmin,
  };
  return { user: { id: 1, login }, csrf: "x", access, userToken: async () => "unused", url: new URL("http://console.invalid/"), form: new URLSearchParams() };
}

const octokit = new TestOctokit({ auth: "installation-token" }) as unknown as GitHubClient;
const sources = { getOctokit: async () => octokit };
const repo = (id: number, fullName: string): ReachableRepo => ({ installationId: INSTALLATION, repoId: id, fullName });

/** The installation covers `covered`; `roles` is each repository's role for the user. */
function serveInstallation(covered: { id: number; fullName: string }[], roles: Record<string, string>) {
  nock(API)
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: covered.length, repositories: covered.map((r) => ({ id: r.id, full_name: r.fullName })) });
  for (const [fullName, role] of Object.entries(roles)) {
    nock(API)
      .get(`/repos/${fullName}/collaborators/carol/permission`)
      .reply(200, { permission: role === "maintain" ? "write" : role, role_name: role, user: { login: "carol" } });
  }
}

beforeEach(() => disableNetwork());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("canAdministerInstallation", () => {
  it("lets an admin of the installation's account in without asking about repositories", async () => {
    expect(await canAdministerInstallation(sources, contextFor("alice", { accountAdmin: true, repos: [] }), INSTALLATION)).toBe(true);
  });

  it("lets in the admin of the one repository the installation covers", async () => {
    serveInstallation([{ id: 11, fullName: "acme/app" }], { "acme/app": "admin" });
    expect(await canAdministerInstallation(sources, contextFor("carol", { accountAdmin: false, repos: [repo(11, "acme/app")] }), INSTALLATION)).toBe(true);
    expect(nock.isDone()).toBe(true);
  });

  it("refuses a maintainer: only admins", async () => {
    serveInstallation([{ id: 11, fullName: "acme/app" }], { "acme/app": "maintain" });
    expect(await canAdministerInstallation(sources, contextFor("carol", { accountAdmin: false, repos: [repo(11, "acme/app")] }), INSTALLATION)).toBe(false);
  });

  it("refuses the admin of one repository when the installation covers others too", async () => {
    serveInstallation(
      [
        { id: 11, fullName: "acme/app" },
        { id: 12, fullName: "acme/secret" },
      ],
      {},
    );
    expect(await canAdministerInstallation(sources, contextFor("carol", { accountAdmin: false, repos: [repo(11, "acme/app")] }), INSTALLATION)).toBe(false);
  });

  it("refuses when the admin of some repositories is not an admin of all", async () => {
    serveInstallation(
      [
        { id: 11, fullName: "acme/app" },
        { id: 12, fullName: "acme/lib" },
      ],
      { "acme/app": "admin", "acme/lib": "write" },
    );
    const ctx = contextFor("carol", { accountAdmin: false, repos: [repo(11, "acme/app"), repo(12, "acme/lib")] });
    expect(await canAdministerInstallation(sources, ctx, INSTALLATION)).toBe(false);
  });

  it("asks nothing of GitHub for a user who reaches none, or too many, of its repositories", async () => {
    const many = Array.from({ length: MAX_REPOSITORIES_FOR_REPO_ADMINS + 1 }, (_, i) => repo(100 + i, `acme/r${i}`));
    expect(await canAdministerInstallation(sources, contextFor("carol", { accountAdmin: false, repos: [] }), INSTALLATION)).toBe(false);
    expect(await canAdministerInstallation(sources, contextFor("carol", { accountAdmin: false, repos: many }), INSTALLATION)).toBe(false);
  });
});
