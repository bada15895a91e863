import { afterEach, describe, expect, it } from "vitest";
import {
  ACME_INSTALLATION,
  BOB_INSTALLATION,
  GEARS,
  HOSTILE_TEXTS,
  seedRun,
  startConsoleHarness,
  TOOLS,
  twoTeams,
  WIDGETS,
  type ConsoleHarness,
} from "../helpers/console.js";

/** The runs list over HTTP: what each user may see, the filters, and hostile text shown as text. */

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The run ids a runs page lists, in order. */
function listedRunIds(html: string): number[] {
  return [...html.matchAll(/data-run-id="(\d+)"/g)].map((match) => Number(match[1]));
}

async function seedTwoTeams(h: ConsoleHarness) {
  return {
    widgets: seedRun(h.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 7, title: "Add retries to the client" }),
    gears: seedRun(h.runs, { installationId: ACME_INSTALLATION, repo: GEARS, issueNumber: 3, title: "Oil the gears", state: "failed", requestedBy: "carol" }),
    tools: seedRun(h.runs, { installationId: BOB_INSTALLATION, repo: TOOLS, issueNumber: 9, title: "Bob's secret plans" }),
  };
}

describe("GET /hamster/runs", () => {
  it("lists only the runs of repositories GitHub says the user can reach", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { widgets, gears, tools } = await seedTwoTeams(harness);
    const alice = await harness.signIn("alice");
    const bob = await harness.signIn("bob");

    const alicePage = await (await harness.request("/hamster/runs", { cookie: alice.cookie })).text();
    expect(listedRunIds(alicePage)).toEqual([gears.id, widgets.id]);
    expect(alicePage).not.toContain("Bob&#39;s secret plans");
    expect(alicePage).toContain("Add retries to the client");
    expect(alicePage).toContain("@carol");
    expect(alicePage).toContain("$0.0421");

    const bobPage = await (await harness.request("/hamster/runs", { cookie: bob.cookie })).text();
    expect(listedRunIds(bobPage)).toEqual([tools.id]);
    expect(bobPage).not.toContain("Oil the gears");
  });

  it("answers 404 to a filter for an installation or repository out of reach", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    await seedTwoTeams(harness);
    const alice = await harness.signIn("alice");
    const bob = await harness.signIn("bob");
    for (const [cookie, path] of [
      [alice.cookie, `/hamster/runs?installation=${BOB_INSTALLATION}`],
      [alice.cookie, `/hamster/runs?repo=${TOOLS.id}`],
      [alice.cookie, `/hamster/runs?installation=${BOB_INSTALLATION}&repo=${TOOLS.id}`],
      // A repository alice can reach, under an installation it does not belong to.
      [alice.cookie, `/hamster/runs?installation=${BOB_INSTALLATION}&repo=${WIDGETS.id}`],
      [bob.cookie, `/hamster/runs?installation=${ACME_INSTALLATION}`],
      [bob.cookie, `/hamster/runs?repo=${WIDGETS.id}`],
      [bob.cookie, `/hamster/runs?installation=999`],
    ] as const) {
      const answer = await harness.request(path, { cookie });
      expect(answer.status, path).toBe(404);
      const html = await answer.text();
      expect(html).not.toContain("Bob&#39;s secret plans");
      expect(html).not.toContain("Oil the gears");
    }
  });

  it("filters by installation, repository, state and text, and pages back in time", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { widgets, gears } = await seedTwoTeams(harness);
    const later = seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 8, title: "100% more_wildcards", state: "cancelled" });
    const { cookie } = await harness.signIn("alice");
    const ids = async (query: string) => listedRunIds(await (await harness!.request(`/hamster/runs?${query}`, { cookie })).text());

    expect(await ids(`installation=${ACME_INSTALLATION}`)).toEqual([later.id, gears.id, widgets.id]);
    expect(await ids(`repo=${WIDGETS.id}`)).toEqual([later.id, widgets.id]);
    expect(await ids("state=failed")).toEqual([gears.id]);
    expect(await ids("state=finished")).toEqual([later.id, gears.id, widgets.id]);
    expect(await ids("state=active")).toEqual([]);
    expect(await ids("q=retries")).toEqual([widgets.id]);
    expect(await ids("q=carol")).toEqual([gears.id]);
    expect(await ids("q=acme%2Fgears")).toEqual([gears.id]);
    expect(await ids("q=%237")).toEqual([widgets.id]);
    // LIKE's wildcards are searched for as themselves.
    expect(await ids("q=100%25")).toEqual([later.id]);
    // "s_t" would match "retries to" if "_" stood for any character.
    expect(await ids("q=s_t")).toEqual([]);
    expect(await ids(`before=${later.id}`)).toEqual([gears.id, widgets.id]);
    expect((await harness.request("/hamster/runs?state=exploded", { cookie })).status).toBe(400);
    expect((await harness.request("/hamster/runs?repo=abc", { cookie })).status).toBe(400);
  });

  it("asks GitHub again within 10 seconds: access taken away is gone from the next page", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const { widgets, gears } = await seedTwoTeams(harness);
    const { cookie } = await harness.signIn("alice");
    expect(listedRunIds(await (await harness.request("/hamster/runs", { cookie })).text())).toEqual([gears.id, widgets.id]);

    harness.github.setUserInstallations("alice", [{ id: ACME_INSTALLATION, repoIds: [WIDGETS.id] }]);
    harness.advance(10_001);
    expect(listedRunIds(await (await harness.request("/hamster/runs", { cookie })).text())).toEqual([widgets.id]);
    expect((await harness.request(`/hamster/runs?repo=${GEARS.id}`, { cookie })).status).toBe(404);

    harness.github.setUserInstallations("alice", []);
    harness.advance(10_001);
    expect(listedRunIds(await (await harness.request("/hamster/runs", { cookie })).text())).toEqual([]);
    expect((await harness.request(`/hamster/runs?installation=${ACME_INSTALLATION}`, { cookie })).status).toBe(404);
  });

  it("reads every page of the user's installations and repositories", async () => {
    const world = twoTeams({ pageSize: 1 });
    harness = await startConsoleHarness({
      world: { ...world, users: world.users.map((user) => (user.login === "alice" ? { ...user, installations: [{ id: ACME_INSTALLATION }, { id: BOB_INSTALLATION }] } : user)) },
    });
    const { widgets, gears, tools } = await seedTwoTeams(harness);
    const { cookie } = await harness.signIn("alice");
    expect(listedRunIds(await (await harness.request("/hamster/runs", { cookie })).text())).toEqual([tools.id, gears.id, widgets.id]);
    const listCalls = harness.github.calls.filter((call) => call.path.startsWith("/api/v3/user/installations"));
    // Two pages of installations, two of acme's repositories, one of bob's.
    expect(listCalls.length).toBeGreaterThanOrEqual(5);
  });

  it("shows hostile text as text: escaped markup, no javascript: links, bidirectional controls made visible", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const titles = Object.values(HOSTILE_TEXTS);
    titles.forEach((title, index) =>
      seedRun(harness!.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 100 + index, title, requestedBy: "mallory" }),
    );
    seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: GEARS, issueNumber: 200, title: "a link", issueHtmlUrl: HOSTILE_TEXTS.javascriptLink });
    const { cookie } = await harness.signIn("alice");
    const answer = await harness.request("/hamster/runs", { cookie });
    const html = await answer.text();

    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain("&quot; onmouseover=&quot;alert(1)");
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain("javascript:alert(document.cookie)");
    expect(html).not.toContain("\u202E");
    expect(html).toContain("invoice[U+202E]txt.exe");
    // The only scripts are the console's own files, and the browser runs no other.
    expect([...html.matchAll(/<script[^>]*>/g)].map((match) => match[0])).toEqual(['<script src="/hamster/assets/console.js" defer>']);
    expect(answer.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
