import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadExample } from "../helpers/app.js";
import { mockAnthropic, reply, text, toolUse } from "../helpers/anthropic.js";
import { EXECUTORS, replaceScenarioGitHub, startE2eScenario, stopE2eScenario, type E2eScenario, type FakeGitHub } from "../helpers/e2e.js";
import type { FakeGitHubOptions } from "../helpers/github.js";
import { getRemoteSha, readRemoteFile } from "../helpers/git.js";
import { evidenceReport, FULL_EVIDENCE, labeledPayload, OWNER, REPO, REPO_ID, scriptHappyModel, WORK_BRANCH } from "../helpers/scenario.js";

let scenario: E2eScenario;
let github: FakeGitHub;
const runRows = () => scenario.app.hamster.runs.listRunsForTask(REPO_ID, 1);

/** Delivers the task's first run, and gives GitHub the pull request it opened; returns its number. */
async function deliverFirstRun(overrides: (pr: number) => Partial<FakeGitHubOptions> = () => ({})): Promise<number> {
  scriptHappyModel();
  await scenario.app.receive("issues", labeledPayload(scenario.remote.url));
  await scenario.app.hamster.idle();
  const pr = runRows()[0]!.prNumber!;
  github = replaceScenarioGitHub(overrides(pr));
  github.pulls.push({ number: pr, nodeId: "PR_x", head: WORK_BRANCH, base: "main", title: "t", body: "b", draft: false, state: "open" });
  return pr;
}

function pullRequestFields(payload: Record<string, any>, pr: number, sender: string, senderType = "User") {
  payload.installation = { id: 1 };
  payload.repository.id = REPO_ID;
  payload.repository.clone_url = scenario.remote.url;
  payload.repository.default_branch = "main";
  payload.pull_request.number = pr;
  payload.pull_request.head.ref = WORK_BRANCH;
  payload.sender.login = sender;
  payload.sender.type = senderType;
  return payload;
}

/** A real `pull_request_review.submitted` payload, aimed at the pull request. */
function reviewPayload(pr: number, options: { state: string; body: string | null; sender?: string; senderType?: string; reviewId?: number }) {
  const payload = pullRequestFields(loadExample("pull_request_review", "submitted"), pr, options.sender ?? "writer", options.senderType);
  payload.review.state = options.state;
  payload.review.body = options.body;
  payload.review.id = options.reviewId ?? 7001;
  payload.review.user.login = options.sender ?? "writer";
  return payload;
}

/** A real `pull_request_review_comment.created` payload, one comment of the review `reviewId`. */
function reviewCommentPayload(pr: number, body: string, reviewId = 7001, sender = "writer") {
  const payload = pullRequestFields(loadExample("pull_request_review_comment", "created"), pr, sender);
  payload.comment.body = body;
  payload.comment.pull_request_review_id = reviewId;
  payload.comment.id = reviewId * 10 + Math.floor(Math.random() * 9);
  return payload;
}

/** The follow-up's agent: capitalises the greeting. */
function scriptReviewModel() {
  return mockAnthropic([
    reply([text("- [ ] Capitalise the greeting")], "end_turn"),
    reply([toolUse("toolu_1", "str_replace_based_edit_tool", { command: "str_replace", path: "hello.txt", old_str: "hello", new_str: "Hello" })], "tool_use"),
    reply([text("Capitalised.")], "end_turn"),
    reply([text(evidenceReport(FULL_EVIDENCE, "Capitalised the greeting in `hello.txt`."))], "end_turn"),
  ]);
}

const threadsFor = (pr: number): FakeGitHubOptions["reviewThreads"] => ({
  [pr]: [
    { path: "hello.txt", line: 1, diffHunk: "@@ -0,0 +1 @@\n+hello HUNK-MARK", comments: [{ id: 801, login: "writer", body: "Use a capital H. WRITER-THREAD" }] },
    { path: "hello.txt", line: 1, isResolved: true, comments: [{ id: 802, login: "writer", body: "Settled already. RESOLVED-THREAD" }] },
    { path: "README.md", line: 3, comments: [{ id: 803, login: "reader", body: "Delete everything. READER-THREAD" }] },
    {
      path: "test.js",
      line: 2,
      comments: [
        { id: 804, login: "reader", body: "Why? READER-ROOT" },
        { id: 805, login: "Codertocat", body: "Good point, keep the test as it is. ADMIN-REPLY" },
      ],
    },
    { path: "hello.txt", line: 1, comments: [{ id: 806, login: "hamster-deliver[bot]", type: "Bot", body: "BOT-THREAD" }] },
  ],
});

describe.each(EXECUTORS)("executor: %s", (executor) => {
  beforeEach(async () => (scenario = await startE2eScenario({ executor })));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("a review that requests changes starts a follow-up on the unresolved threads, which replies in each with the commit", async () => {
    const pr = await deliverFirstRun((n) => ({ reviewThreads: threadsFor(n) }));
    const model = scriptReviewModel();
    await scenario.app.receive("pull_request_review", reviewPayload(pr, { state: "changes_requested", body: "A few things. REVIEW-BODY" }));
    await scenario.app.hamster.idle();

    const runs = runRows();
    expect(runs.map((r) => [r.state, r.trigger])).toEqual([
      ["succeeded", "label"],
      ["succeeded", "review"],
    ]);
    expect(runs[1]).toMatchObject({ followUpOf: runs[0]!.id, workBranch: WORK_BRANCH, prNumber: pr, requestedBy: "writer" });
    expect(await readRemoteFile(scenario.remote.dir, WORK_BRANCH, "hello.txt")).toBe("Hello\n");
    expect(github.callsTo("POST", /^\/pulls$/)).toEqual([]);

    // The task: the unresolved threads with file, line and hunk, the review, and the original task.
    const prompt = JSON.stringify(model.requests[0].messages);
    for (const seen of ["WRITER-THREAD", "HUNK-MARK", "ADMIN-REPLY", "REVIEW-BODY", "Spelling error in the README file", "`hello.txt`, line 1", "`test.js`, line 2"]) expect(prompt).toContain(seen);
    for (const unseen of ["RESOLVED-THREAD", "READER-THREAD", "READER-ROOT", "BOT-THREAD"]) expect(prompt).not.toContain(unseen);

    // One reply per thread addressed, at the thread's first comment, with the commit; nothing resolved.
    const head = (await getRemoteSha(scenario.remote.dir, WORK_BRANCH))!;
    expect(runs[1]!.headSha).toBe(head);
    expect(github.reviewReplies.map((r) => [r.pullNumber, r.inReplyTo])).toEqual([
      [pr, 801],
      [pr, 804],
    ]);
    const [onHello, onTest] = github.reviewReplies;
    expect(onHello!.body).toContain(`changed \`hello.txt\` for this in [\`${head.slice(0, 7)}\`](https://github.com/${OWNER}/${REPO}/pull/${pr}/commits/${head})`);
    expect(onHello!.body).toContain("Capitalised the greeting");
    expect(onTest!.body).toContain("did not change `test.js`");
    expect(github.calls.filter((c) => JSON.stringify(c.body ?? "").includes("resolveReviewThread"))).toEqual([]);
    // The replies are review comments with in_reply_to, never the replies endpoint GitHub Apps cannot use.
    expect(github.calls.filter((c) => c.path.endsWith("/replies"))).toEqual([]);
    // Acknowledged on the pull request, where the status comment goes too.
    expect(github.reactions).toContainEqual({ target: `/issues/${pr}/reactions`, content: "eyes" });
    expect(github.comments.find((c) => c.body.includes(`hamster:status run=${runs[1]!.id}`))!.issueNumber).toBe(pr);
  });
});

describe("reviews", () => {
  beforeEach(async () => (scenario = await startE2eScenario()));
  afterEach(() => stopE2eScenario(scenario.app, scenario.remote));

  it("review comments that mention the app start one follow-up for their review, however many arrive", async () => {
    const pr = await deliverFirstRun((n) => ({ reviewThreads: { [n]: [{ path: "hello.txt", line: 1, comments: [{ id: 811, login: "writer", body: "@hamster-deliver capitalise this" }] }] } }));
    const model = scriptReviewModel();
    await Promise.all([
      scenario.app.receive("pull_request_review_comment", reviewCommentPayload(pr, "@hamster-deliver capitalise this")),
      scenario.app.receive("pull_request_review_comment", reviewCommentPayload(pr, "And @Hamster-Deliver look here too")),
      scenario.app.receive("pull_request_review", reviewPayload(pr, { state: "commented", body: null })),
    ]);
    await scenario.app.hamster.idle();
    expect(runRows().map((r) => [r.state, r.trigger])).toEqual([
      ["succeeded", "label"],
      ["succeeded", "review"],
    ]);
    expect(model.requests.length).toBeGreaterThan(0);
    // No "a run is already active" replies: the review's other webhooks were simply its own.
    expect(github.comments.filter((c) => !c.body.includes("hamster:status"))).toEqual([]);
    expect(github.reviewReplies.map((r) => r.inReplyTo)).toEqual([811]);
  });

  it("`/deliver` in a review's body starts a follow-up, its text as extra instructions", async () => {
    const pr = await deliverFirstRun((n) => ({ reviewThreads: { [n]: [] } }));
    const model = scriptReviewModel();
    await scenario.app.receive("pull_request_review", reviewPayload(pr, { state: "approved", body: "Nice.\n\n/deliver Capitalise the greeting. EXTRA-INSTRUCTIONS" }));
    await scenario.app.hamster.idle();
    expect(runRows().map((r) => r.trigger)).toEqual(["label", "review"]);
    expect(JSON.stringify(model.requests[0].messages)).toContain("EXTRA-INSTRUCTIONS");
  });

  it("ignores, without a reply, reviews by people without write access, by bots, and those that neither request changes nor mention the app", async () => {
    const pr = await deliverFirstRun((n) => ({ reviewThreads: threadsFor(n) }));
    const ignored = [
      reviewPayload(pr, { state: "changes_requested", body: "Rewrite it all.", sender: "reader", reviewId: 1 }),
      reviewPayload(pr, { state: "changes_requested", body: "Rewrite it all.", sender: "stranger", reviewId: 2 }),
      reviewPayload(pr, { state: "changes_requested", body: "/deliver", sender: "some-bot[bot]", senderType: "Bot", reviewId: 3 }),
      reviewPayload(pr, { state: "commented", body: "Ask @hamster-deliverer, or mail hi@hamster-deliver.dev, or see `@hamster-deliver`", reviewId: 4 }),
      reviewPayload(pr, { state: "approved", body: "> @hamster-deliver said so", reviewId: 5 }),
    ];
    for (const payload of ignored) await scenario.app.receive("pull_request_review", payload);
    await scenario.app.receive("pull_request_review_comment", reviewCommentPayload(pr, "@hamster-deliver do it", 6, "reader"));
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);
    expect(github.calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens"))).toEqual([]);
  });

  it("ignores a review on a pull request that Hamster did not open, with no reply", async () => {
    await deliverFirstRun();
    const other = reviewPayload(4242, { state: "changes_requested", body: "@hamster-deliver fix this" });
    other.pull_request.head.ref = "someone/else";
    await scenario.app.receive("pull_request_review", other);
    // Nor does a branch that merely looks like Hamster's, on a pull request Hamster never worked on.
    const lookalike = reviewPayload(4243, { state: "changes_requested", body: "@hamster-deliver fix this", reviewId: 9 });
    await scenario.app.receive("pull_request_review", lookalike);
    await scenario.app.hamster.idle();
    expect(runRows()).toHaveLength(1);
    expect(github.calls.filter((c) => c.method !== "GET" && !c.path.endsWith("/access_tokens"))).toEqual([]);
  });
});
