import { afterEach, describe, expect, it } from "vitest";
import type { ConsoleRoute } from "../../src/console/console-request.js";
import { ACME_INSTALLATION, BOB_INSTALLATION, GEARS, startConsoleHarness, twoTeams, WIDGETS, type ConsoleHarness } from "../helpers/console.js";

/** ConsoleAccess as pages get it: what GitHub says the signed-in user reaches, and whether they administer an installation. */

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** GET /hamster/test/access: the page's view of the user's access, as JSON. */
const accessRoute: ConsoleRoute = {
  method: "GET",
  pattern: "/hamster/test/access",
  handle: async (ctx, _request, response) => {
    const body = {
      installations: await ctx.access.installationIds(),
      repos: await ctx.access.reachableRepos(),
      seesWidgets: await ctx.access.canSeeRepo(ACME_INSTALLATION, WIDGETS.id),
      seesWidgetsUnderBob: await ctx.access.canSeeRepo(BOB_INSTALLATION, WIDGETS.id),
      admin: { acme: await ctx.access.isInstallationAdmin(ACME_INSTALLATION), bob: await ctx.access.isInstallationAdmin(BOB_INSTALLATION) },
    };
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  },
};

describe("ConsoleAccess", () => {
  it("reports the user's installations and repositories, and admins: the organization's owners, the user account itself", async () => {
    const world = twoTeams();
    harness = await startConsoleHarness({
      world: {
        ...world,
        users: [
          ...world.users,
          { id: 1003, login: "carol", installations: [{ id: ACME_INSTALLATION, repoIds: [GEARS.id] }] },
          // A collaborator on bob's repository: it reaches bob's installation, which is not theirs.
          { id: 1004, login: "dave", installations: [{ id: BOB_INSTALLATION }] },
        ],
      },
      extraRoutes: () => [accessRoute],
    });
    const read = async (login: string) => {
      const { cookie } = await harness!.signIn(login);
      return (await harness!.request("/hamster/test/access", { cookie })).json();
    };
    expect(await read("alice")).toEqual({
      installations: [ACME_INSTALLATION],
      repos: [
        { installationId: ACME_INSTALLATION, repoId: WIDGETS.id, fullName: WIDGETS.fullName },
        { installationId: ACME_INSTALLATION, repoId: GEARS.id, fullName: GEARS.fullName },
      ],
      seesWidgets: true,
      seesWidgetsUnderBob: false,
      admin: { acme: true, bob: false },
    });
    // A member of the organization who is not an owner, with one of its repositories.
    expect(await read("carol")).toMatchObject({ installations: [ACME_INSTALLATION], seesWidgets: false, admin: { acme: false, bob: false } });
    expect(await read("bob")).toMatchObject({ installations: [BOB_INSTALLATION], seesWidgets: false, admin: { acme: false, bob: true } });
    expect(await read("dave")).toMatchObject({ installations: [BOB_INSTALLATION], admin: { acme: false, bob: false } });
  });

  it("asks GitHub once per session within the cache's 10 seconds, with the user's own token", async () => {
    harness = await startConsoleHarness({ world: twoTeams(), extraRoutes: () => [accessRoute] });
    const { cookie } = await harness.signIn("alice");
    await harness.request("/hamster/test/access", { cookie });
    await harness.request("/hamster/runs", { cookie });
    const lists = harness.github.calls.filter((call) => call.path === "/api/v3/user/installations");
    expect(lists).toEqual([{ method: "GET", path: "/api/v3/user/installations", login: "alice" }]);
  });
});
