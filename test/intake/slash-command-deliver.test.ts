import { describe, expect, it } from "vitest";
import { renderCommandHelp } from "../../src/intake/render-command-help.js";
import { parseSlashCommand, type SlashCommandOptions } from "../../src/intake/slash-command.js";

/* The grammar of /deliver, case by case, when only /deliver is looked for (slash-command.test.ts covers every command). */

const parseDeliverCommand = (body: string, options: SlashCommandOptions = {}) => parseSlashCommand(body, { ...options, commands: ["deliver"] });
const ok = (params: Record<string, string>, instructions = "") => ({ kind: "ok", command: { kind: "deliver", params, instructions } });
const invalid = (...errors: string[]) => ({ kind: "invalid", command: "deliver", errors });

describe("parseSlashCommand /deliver all", () => {
  it("marks the brief's delivery, with its parameters and instructions", () => {
    expect(parseDeliverCommand("/deliver all")).toEqual({ kind: "ok", command: { kind: "deliver", params: {}, instructions: "", all: true } });
    expect(parseDeliverCommand("/deliver  all agent=claude Keep it small\nand tidy")).toEqual({
      kind: "ok",
      command: { kind: "deliver", params: { agent: "claude" }, instructions: "Keep it small\nand tidy", all: true },
    });
  });

  it("takes the repository the code is in, as owner/name", () => {
    expect(parseDeliverCommand("/deliver all repo=acme/widgets-api")).toEqual({ kind: "ok", command: { kind: "deliver", params: { repo: "acme/widgets-api" }, instructions: "", all: true } });
    expect(parseDeliverCommand("/deliver repo=acme/api.js Go")).toEqual(ok({ repo: "acme/api.js" }, "Go"));
    expect(parseDeliverCommand("/deliver repo=widgets")).toEqual(invalid('repo "widgets" is not a repository: write it as owner/name'));
    expect(parseDeliverCommand("/deliver repo=https://github.com/acme/api")).toEqual(invalid('repo "https://github.com/acme/api" is not a repository: write it as owner/name'));
  });

  it("takes `all` only as the first word, whole", () => {
    expect(parseDeliverCommand("/deliver agent=claude all")).toEqual(ok({ agent: "claude" }, "all"));
    expect(parseDeliverCommand("/deliver allow retries")).toEqual(ok({}, "allow retries"));
    expect(parseDeliverCommand("/deliver\nall")).toEqual(ok({}, "all"));
  });

  it("counts a quote's column on the whole line", () => {
    expect(parseDeliverCommand('/deliver all model="x')).toEqual(invalid("unterminated double quote at column 20 of the /deliver line"));
  });
});

describe("parseSlashCommand /deliver: finding the command", () => {
  it("parses a plain /deliver", () => {
    expect(parseDeliverCommand("/deliver")).toEqual(ok({}));
    expect(parseDeliverCommand("/deliver   \n")).toEqual(ok({}));
  });

  it("returns none without a command", () => {
    expect(parseDeliverCommand("")).toEqual({ kind: "none" });
    expect(parseDeliverCommand("Looks good to me")).toEqual({ kind: "none" });
  });

  it("allows up to three leading spaces", () => {
    expect(parseDeliverCommand("   /deliver go")).toEqual(ok({}, "go"));
    // Four spaces make an indented code block, and are not the start of a line's text anyway.
    expect(parseDeliverCommand("    /deliver go")).toEqual({ kind: "none" });
    expect(parseDeliverCommand("\t/deliver go")).toEqual({ kind: "none" });
  });

  it("needs whitespace or end of line after the command word", () => {
    expect(parseDeliverCommand("/deliverx")).toEqual({ kind: "none" });
    expect(parseDeliverCommand("/deliver/x")).toEqual({ kind: "none" });
    expect(parseDeliverCommand("/deliver\tgo")).toEqual(ok({}, "go"));
  });

  it("ignores /deliver in the middle of a line", () => {
    expect(parseDeliverCommand("please /deliver branch=main")).toEqual({ kind: "none" });
    expect(parseDeliverCommand("- /deliver")).toEqual({ kind: "none" });
  });

  it("finds a command on a later line, after prose", () => {
    expect(parseDeliverCommand("Thanks!\n\n/deliver agent=claude")).toEqual(ok({ agent: "claude" }));
    // A line continuing a paragraph still starts with the command.
    expect(parseDeliverCommand("Thanks!\n/deliver")).toEqual(ok({}));
  });

  it.each([
    ["a fenced block", "```\n/deliver branch=main\n```"],
    ["a tilde fence", "~~~sh\n/deliver\n~~~"],
    ["an unclosed fence", "text\n\n```\n/deliver"],
    ["an indented block", "text\n\n    /deliver"],
    ["a block quote", "> /deliver branch=main"],
    ["a block quote's lazy continuation", "> quoting you\n/deliver"],
    ["a nested quote", "> > /deliver"],
    ["a one-line HTML comment", "<!-- /deliver -->"],
    ["a multi-line HTML comment", "<!--\n/deliver branch=main\n-->"],
    ["an inline HTML comment", "text <!--\n/deliver\n--> more"],
    ["an HTML block", "<details>\n/deliver\n</details>"],
    ["a fence inside a list", "- item\n\n  ```\n  /deliver\n  ```"],
  ])("ignores a command inside %s", (_where, body) => {
    expect(parseDeliverCommand(body)).toEqual({ kind: "none" });
  });

  it("takes the first visible command and skips hidden ones before it", () => {
    const body = "<!--\n/deliver agent=hidden\n-->\n/deliver model=first\n/deliver model=second";
    expect(parseDeliverCommand(body)).toEqual(ok({ model: "first" }, "/deliver model=second"));
  });

  it("treats a command after a closed fence as a command", () => {
    expect(parseDeliverCommand("```\ncode\n```\n/deliver")).toEqual(ok({}));
  });
});

describe("parseSlashCommand /deliver: parameters and instructions", () => {
  it("parses parameters followed by instructions", () => {
    expect(parseDeliverCommand("/deliver branch=main target=develop Some extra instructions")).toEqual(
      ok({ branch: "main", target: "develop" }, "Some extra instructions"),
    );
  });

  it("parses all five parameters", () => {
    expect(
      parseDeliverCommand("/deliver branch=main target=release/1.2 agent=claude model=claude-sonnet-4-5 executor=actions"),
    ).toEqual(ok({ branch: "main", target: "release/1.2", agent: "claude", model: "claude-sonnet-4-5", executor: "actions" }));
  });

  it("names the executors when executor= is not one", () => {
    expect(parseDeliverCommand("/deliver executor=kubernetes")).toEqual({
      kind: "invalid",
      command: "deliver",
      errors: ['unknown executor "kubernetes"; the executors are local, process, actions'],
    });
  });

  it("unquotes quoted values", () => {
    expect(parseDeliverCommand(`/deliver branch="feature/x" target='a;b' model="m:1" Go`)).toEqual(
      ok({ branch: "feature/x", target: "a;b", model: "m:1" }, "Go"),
    );
  });

  it("keeps apostrophes in instructions as written", () => {
    expect(parseDeliverCommand("/deliver branch=main don't break the API, it's public")).toEqual(
      ok({ branch: "main" }, "don't break the API, it's public"),
    );
    expect(parseDeliverCommand("/deliver 'tis the season")).toEqual(ok({}, "'tis the season"));
    expect(parseDeliverCommand('/deliver say "hi"   twice')).toEqual(ok({}, 'say "hi"   twice'));
  });

  it("unquotes instructions that are one quoted string", () => {
    expect(parseDeliverCommand('/deliver agent=claude "Fix it, don\'t rewrite it"')).toEqual(
      ok({ agent: "claude" }, "Fix it, don't rewrite it"),
    );
    expect(parseDeliverCommand('/deliver "a" "b"')).toEqual(ok({}, '"a" "b"'));
  });

  it("takes the following lines as instructions", () => {
    const body = "Intro line\n/deliver target=develop Start here.\n\nThen:\n- step one\n- step two\n\n";
    expect(parseDeliverCommand(body)).toEqual(ok({ target: "develop" }, "Start here.\n\nThen:\n- step one\n- step two"));
  });

  it("takes the following lines when the command line has only parameters", () => {
    expect(parseDeliverCommand("/deliver branch=main\n  Indented detail\n")).toEqual(
      ok({ branch: "main" }, "Indented detail"),
    );
  });

  it("starts instructions at the first token that is not key=value", () => {
    expect(parseDeliverCommand("/deliver branch=main Fix model=x too")).toEqual(ok({ branch: "main" }, "Fix model=x too"));
    expect(parseDeliverCommand("/deliver Branch=main")).toEqual(ok({}, "Branch=main"));
    expect(parseDeliverCommand('/deliver "branch=main"')).toEqual(ok({}, "branch=main"));
  });

  it("normalizes CRLF line endings", () => {
    expect(parseDeliverCommand("Hi\r\n/deliver branch=main Do it\r\nline two\r\n")).toEqual(
      ok({ branch: "main" }, "Do it\nline two"),
    );
    expect(parseDeliverCommand("/deliver\r\n")).toEqual(ok({}));
  });

  it("accepts agents from the given list", () => {
    expect(parseDeliverCommand("/deliver agent=codex", { knownAgents: ["claude", "codex"] })).toEqual(
      ok({ agent: "codex" }),
    );
  });
});

describe("parseSlashCommand /deliver: errors", () => {
  it("reports an unknown key with the known ones", () => {
    expect(parseDeliverCommand("/deliver brnach=main")).toEqual(
      invalid('unknown parameter "brnach"; the parameters are branch, target, agent, model, executor, repo'),
    );
  });

  it("reports a duplicate key", () => {
    expect(parseDeliverCommand("/deliver branch=main branch=dev")).toEqual(
      invalid('parameter "branch" is given more than once'),
    );
  });

  it("reports empty values, quoted or not", () => {
    expect(parseDeliverCommand('/deliver branch= target=""')).toEqual(
      invalid('parameter "branch" has an empty value', 'parameter "target" has an empty value'),
    );
  });

  it("reports an unterminated quote in a value with its column", () => {
    expect(parseDeliverCommand('/deliver branch="main Fix it')).toEqual(
      invalid("unterminated double quote at column 17 of the /deliver line"),
    );
    expect(parseDeliverCommand("  /deliver model='x")).toEqual(
      invalid("unterminated single quote at column 18 of the /deliver line"),
    );
  });

  it.each([
    [
      "/deliver branch=--upload-pack=x",
      'branch "--upload-pack=x" is not a valid branch name: branch names cannot start with "-"',
    ],
    [
      '/deliver branch="--upload-pack=touch /tmp/x"',
      'branch "--upload-pack=touch /tmp/x" is not a valid branch name: branch names cannot contain spaces',
    ],
    ["/deliver target=../x", 'target "../x" is not a valid branch name: branch names cannot contain ".."'],
    [
      '/deliver branch="a\tb"',
      'branch "a\\tb" is not a valid branch name: branch names cannot contain control characters (found U+0009)',
    ],
    [
      `/deliver branch=${"x".repeat(300)}`,
      `branch "${"x".repeat(60)}…" is not a valid branch name: branch names can be at most 255 bytes long (this one is 300)`,
    ],
    ["/deliver agent=gpt", 'unknown agent "gpt"; the agents are claude'],
    [
      "/deliver model=-bad",
      'model "-bad" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ],
    [
      `/deliver model=${"m".repeat(101)}`,
      `model "${"m".repeat(60)}…" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit`,
    ],
    [
      '/deliver model="a b"',
      'model "a b" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ],
  ])("rejects %j", (body, error) => {
    expect(parseDeliverCommand(body)).toEqual(invalid(error));
  });

  it("accepts a model name of exactly 100 characters", () => {
    expect(parseDeliverCommand(`/deliver model=${"m".repeat(100)}`)).toEqual(ok({ model: "m".repeat(100) }));
  });

  it("reports an agent when no agents are known", () => {
    expect(parseDeliverCommand("/deliver agent=claude", { knownAgents: [] })).toEqual(
      invalid('unknown agent "claude"; no agents are available'),
    );
  });

  it("reports instructions over 20,000 characters", () => {
    expect(parseDeliverCommand(`/deliver ${"a".repeat(20_000)}`)).toEqual(ok({}, "a".repeat(20_000)));
    expect(parseDeliverCommand(`/deliver ${"a".repeat(20_001)}`)).toEqual(
      invalid("instructions are 20,001 characters long; the limit is 20,000"),
    );
  });

  it("collects every error, not just the first", () => {
    expect(
      parseDeliverCommand(`/deliver foo=1 branch=../x branch=main agent=gpt model=! ${"z".repeat(20_001)}`),
    ).toEqual(
      invalid(
        'unknown parameter "foo"; the parameters are branch, target, agent, model, executor, repo',
        'branch "../x" is not a valid branch name: branch names cannot contain ".."',
        'parameter "branch" is given more than once',
        'unknown agent "gpt"; the agents are claude',
        'model "!" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
        "instructions are 20,001 characters long; the limit is 20,000",
      ),
    );
  });
});

describe("renderCommandHelp(\"deliver\")", () => {
  it("documents the syntax, every parameter and two examples", () => {
    const usage = renderCommandHelp("deliver");
    expect(usage).toContain("`/deliver [all] [key=value ...] [instructions]`");
    for (const key of ["branch", "target", "agent", "model"]) expect(usage).toContain(`| \`${key}\` |`);
    expect(usage).toContain("\n/deliver\n");
    expect(usage).toContain("\n/deliver branch=main target=develop agent=claude Add retries to the HTTP client\n");
  });
});
