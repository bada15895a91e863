import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { createProbot } from "probot";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseSettings } from "../src/config/env.js";
import { createHamsterApp } from "../src/index.js";
import { disableNetwork, generatePrivateKey, TestOctokit } from "./helpers/app.js";
import { anthropicLike } from "./security/fake-secrets.js";

/**
 * app.yml is what Probot's setup page registers the app with: an event the app listens to
 * but does not ask for never arrives, and a permission it lacks fails at the first call.
 */
const manifest = parse(readFileSync(new URL("../app.yml", import.meta.url), "utf8")) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

/** GitHub sends these to every app; they cannot be subscribed to. */
const ALWAYS_DELIVERED = new Set(["installation", "installation_repositories"]);

/** The permission GitHub requires before it sends an event. */
const EVENT_PERMISSIONS: Record<string, string> = {
  check_run: "checks",
  check_suite: "checks",
  issues: "issues",
  issue_comment: "issues",
  pull_request: "pull_requests",
  pull_request_review: "pull_requests",
  pull_request_review_comment: "pull_requests",
  workflow_run: "actions",
};

/** What the app's own calls need, beyond reading the events above. */
const CALL_PERMISSIONS: Record<string, "read" | "write"> = {
  // clones, pushes the work branch, reads .github/hamster.yml
  contents: "write",
  // opens, updates and marks ready its pull requests; replies in review threads
  pull_requests: "write",
  // status comments, reactions, replies, the hamster:deliver label
  issues: "write",
  // the Hamster check run; the repository's checks and their annotations
  checks: "write",
  // dispatches and cancels Hamster's workflow runs; reads failing jobs' logs
  actions: "write",
  // the collaborator-permission API
  metadata: "read",
  // the console: whether a signed-in user owns the organization the app is installed on
  members: "read",
};

/** The events src/index.ts subscribes to, from a Probot that records each `app.on` while the app loads. */
async function recordSubscriptions(): Promise<Set<string>> {
  const dataDir = mkdtempSync(join(tmpdir(), "hamster-manifest-"));
  const probot = createProbot({ env: { APP_ID: "1", PRIVATE_KEY: generatePrivateKey(), WEBHOOK_SECRET: "test-secret" }, overrides: { Octokit: TestOctokit, log: pino({ level: "silent" }) } });
  const names = new Set<string>();
  const on = probot.on.bind(probot);
  probot.on = ((events: string | string[], handler: never) => {
    for (const name of [events].flat()) names.add(name.split(".")[0]!);
    return on(events as never, handler);
  }) as typeof probot.on;
  const settings = parseSettings({ HAMSTER_DATA_DIR: dataDir, ANTHROPIC_API_KEY: anthropicLike("manifest") });
  const hamster = createHamsterApp({ settings, env: { PATH: "" }, writeMinTimeMs: 0 });
  try {
    await probot.load(hamster.appFn);
  } finally {
    await hamster.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return names;
}

describe("app.yml", () => {
  it("asks for exactly the events the app subscribes to", async () => {
    disableNetwork();
    const subscribed = await recordSubscriptions();
    expect(subscribed.size).toBeGreaterThan(0);
    expect([...subscribed].filter((name) => !ALWAYS_DELIVERED.has(name)).sort()).toEqual([...manifest.default_events].sort());
    // The app does listen to the events GitHub sends unasked.
    for (const name of ALWAYS_DELIVERED) expect(subscribed).toContain(name);
  });

  it("has the permission each event needs, and what the app's own calls need", () => {
    const granted = manifest.default_permissions;
    for (const event of manifest.default_events) {
      const permission = EVENT_PERMISSIONS[event];
      expect(permission, `the permission the ${event} event needs`).toBeDefined();
      expect(granted[permission!], `${permission} for ${event}`).toMatch(/^(read|write)$/);
    }
    for (const [permission, level] of Object.entries(CALL_PERMISSIONS)) {
      expect(granted[permission], permission).toMatch(level === "read" ? /^(read|write)$/ : /^write$/);
    }
    // Nothing more than that: an app asks for what it uses.
    expect(Object.keys(granted).sort()).toEqual(Object.keys(CALL_PERMISSIONS).sort());
  });
});
