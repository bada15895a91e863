import { readFileSync } from "node:fs";
import { loadExample } from "./app.js";
import { held, mockAnthropic, reply, text, toolUse } from "./anthropic.js";

/**
 * The end-to-end scenario shared by the e2e tests: the Codertocat/Hello-World issue #1 from
 * @octokit/webhooks-examples, pointed at a local bare repository, and scripted models.
 */
export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const REPO_ID = 186853002;
export const TASK_BODY = readFileSync(new URL("../../fixtures/task-issue.md", import.meta.url), "utf8");
export const WORK_BRANCH = "hamster/1-spelling-error-in-the-readme-file";
export const PLAN = "- [ ] Create `hello.txt` containing `hello`\n- [ ] Run `npm test`";

type Payload = Record<string, any>;

export function issuePayload(payload: Payload, remoteUrl: string): Payload {
  payload.installation = { id: 1 };
  payload.repository.id = REPO_ID;
  payload.repository.clone_url = remoteUrl;
  payload.repository.default_branch = "main";
  payload.issue.body = TASK_BODY;
  return payload;
}

export function labeledPayload(remoteUrl: string): Payload {
  const payload = issuePayload(loadExample("issues", "labeled"), remoteUrl);
  payload.label.name = "hamster:deliver";
  return payload;
}

export function commentPayload(remoteUrl: string, body: string, sender = OWNER, senderType = "User"): Payload {
  const payload = issuePayload(loadExample("issue_comment", "created"), remoteUrl);
  payload.comment.body = body;
  payload.sender.login = sender;
  payload.sender.type = senderType;
  return payload;
}

/** The agent's closing report: a JSON block with evidence for each acceptance criterion. */
export function evidenceReport(criteria: unknown[], summary = "Added `hello.txt` containing `hello`; `npm test` passes."): string {
  return `Here is my report.\n\n\`\`\`json\n${JSON.stringify({ summary, criteria })}\n\`\`\``;
}

export const FULL_EVIDENCE = [
  { index: 1, status: "met", evidence: { kind: "file", path: "hello.txt", line: 1 } },
  { index: 2, status: "met", evidence: { kind: "command", command: "npm test", result: "exit 0, prints ok" } },
];

/**
 * A model that plans, creates hello.txt, runs the repository's tests, and reports with evidence.
 * `doneAfter`: the agent's closing turn is answered only once it resolves (the agent is still at work until then).
 */
export function scriptHappyModel(criteria: unknown[] = FULL_EVIDENCE, { doneAfter }: { doneAfter?: Promise<unknown> } = {}) {
  const done = reply([text("Done: hello.txt exists and the tests pass.")], "end_turn");
  return mockAnthropic([
    reply([text(PLAN)], "end_turn"),
    reply([text("I'll create the file."), toolUse("toolu_1", "str_replace_based_edit_tool", { command: "create", path: "hello.txt", file_text: "hello\n" })], "tool_use"),
    reply([toolUse("toolu_2", "bash", { command: "npm test" })], "tool_use"),
    doneAfter === undefined ? done : held(doneAfter, done),
    reply([text(evidenceReport(criteria))], "end_turn"),
  ]);
}

/** A model that plans and then changes nothing. */
export function scriptIdleModel() {
  return mockAnthropic([
    reply([text(PLAN)], "end_turn"),
    reply([text("Everything already looks right to me.")], "end_turn"),
    reply([text(evidenceReport([], "Nothing to change."))], "end_turn"),
  ]);
}
