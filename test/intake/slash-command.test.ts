import { describe, expect, it } from "vitest";
import { findPreferenceProblems } from "../../src/intake/deliver-parameters.js";
import { renderCommandHelp } from "../../src/intake/render-command-help.js";
import { parseSlashCommand, type SlashCommand } from "../../src/intake/slash-command.js";

const ok = (command: SlashCommand) => ({ kind: "ok", command });
const invalid = (command: string, ...errors: string[]) => ({ kind: "invalid", command, errors });
const none = { kind: "none" };

describe("parseSlashCommand: finding the command", () => {
  it("recognises every command", () => {
    expect(parseSlashCommand("/deliver branch=main Go")).toEqual(ok({ kind: "deliver", params: { branch: "main" }, instructions: "Go" }));
    expect(parseSlashCommand("/cancel")).toEqual(ok({ kind: "cancel" }));
    expect(parseSlashCommand("/retry")).toEqual(ok({ kind: "retry" }));
    expect(parseSlashCommand("/runs")).toEqual(ok({ kind: "runs" }));
    expect(parseSlashCommand("/hamster prefs")).toEqual(ok({ kind: "prefs", action: "show" }));
    expect(parseSlashCommand("/hamster prefs reset")).toEqual(ok({ kind: "prefs", action: "reset" }));
    expect(parseSlashCommand("/hamster prefs agent=claude")).toEqual(ok({ kind: "prefs", action: "set", values: { agent: "claude" } }));
    expect(parseSlashCommand("/hamster setup actions")).toEqual(ok({ kind: "setup", target: "actions" }));
  });

  it("returns none without a command, or with one the app does not know", () => {
    expect(parseSlashCommand("")).toEqual(none);
    expect(parseSlashCommand("Looks good to me")).toEqual(none);
    expect(parseSlashCommand("/cc @alice")).toEqual(none);
    expect(parseSlashCommand("/Cancel")).toEqual(none);
  });

  it("needs whitespace or the end of the line after the command word", () => {
    for (const body of ["/cancelled", "/runs/1", "/retry-now", "/hamsters prefs", "/cancel.", "/runs:"]) {
      expect(parseSlashCommand(body)).toEqual(none);
    }
    expect(parseSlashCommand("/runs\t")).toEqual(ok({ kind: "runs" }));
    expect(parseSlashCommand("/cancel\r\nThanks")).toEqual(ok({ kind: "cancel" }));
  });

  it("wants the command at the start of a line, with at most three spaces before it", () => {
    expect(parseSlashCommand("   /cancel")).toEqual(ok({ kind: "cancel" }));
    expect(parseSlashCommand("please /cancel")).toEqual(none);
    expect(parseSlashCommand("- /runs")).toEqual(none);
    expect(parseSlashCommand("Hi!\n\n/runs")).toEqual(ok({ kind: "runs" }));
  });

  it.each([
    ["a fenced block", "```\n/cancel\n```"],
    ["a tilde fence", "~~~\n/hamster prefs reset\n~~~"],
    ["an indented block", "text\n\n    /runs"],
    ["inline code", "`/retry`"],
    ["a block quote", "> /cancel"],
    ["a block quote's lazy continuation", "> quoting you\n/retry"],
    ["an HTML comment", "<!--\n/hamster prefs reset\n-->"],
    ["an HTML block", "<details>\n/runs\n</details>"],
  ])("ignores a command inside %s", (_where, body) => {
    expect(parseSlashCommand(body)).toEqual(none);
  });

  it("counts only the first visible command line", () => {
    expect(parseSlashCommand("/runs\n/cancel")).toEqual(ok({ kind: "runs" }));
    expect(parseSlashCommand("```\n/cancel\n```\n/retry\n/cancel")).toEqual(ok({ kind: "retry" }));
    // The lines after /deliver are its instructions, commands or not.
    expect(parseSlashCommand("/deliver Fix it\n/cancel")).toEqual(
      ok({ kind: "deliver", params: {}, instructions: "Fix it\n/cancel" }),
    );
    // An invalid first command is not skipped for a valid later one.
    expect(parseSlashCommand("/cancel now\n/runs")).toEqual(invalid("cancel", '`/cancel` takes no arguments (found "now")'));
  });

  it("can be limited to some commands", () => {
    expect(parseSlashCommand("/runs\n/deliver go", { commands: ["deliver"] })).toEqual(
      ok({ kind: "deliver", params: {}, instructions: "go" }),
    );
    expect(parseSlashCommand("/runs", { commands: ["deliver", "cancel"] })).toEqual(none);
  });
});

describe("parseSlashCommand: commands without arguments", () => {
  it.each(["cancel", "retry", "runs"])("rejects arguments after /%s", (name) => {
    expect(parseSlashCommand(`/${name} please`)).toEqual(invalid(name, `\`/${name}\` takes no arguments (found "please")`));
    expect(parseSlashCommand(`/${name}  run 3 now  `)).toEqual(invalid(name, `\`/${name}\` takes no arguments (found "run 3 now")`));
  });

  it("lets prose follow on the next lines", () => {
    expect(parseSlashCommand("/cancel\nThis is going the wrong way.")).toEqual(ok({ kind: "cancel" }));
  });
});

describe("parseSlashCommand: /deliver", () => {
  it("parses parameters and instructions (slash-command-deliver.test.ts has every case)", () => {
    expect(parseSlashCommand("/deliver branch=main target=develop agent=claude model=claude-sonnet-4-5 Add retries\nand tests")).toEqual(
      ok({
        kind: "deliver",
        params: { branch: "main", target: "develop", agent: "claude", model: "claude-sonnet-4-5" },
        instructions: "Add retries\nand tests",
      }),
    );
  });

  it("reports every error with the command's name", () => {
    expect(parseSlashCommand('/deliver brnach=main agent=gpt model="x')).toEqual(
      invalid(
        "deliver",
        'unknown parameter "brnach"; the parameters are branch, target, agent, model, executor, repo',
        'unknown agent "gpt"; the agents are claude',
        "unterminated double quote at column 38 of the /deliver line",
      ),
    );
  });
});

describe("parseSlashCommand: /hamster import", () => {
  it("takes a path in the repository, and a tag", () => {
    expect(parseSlashCommand("/hamster import .taskmaster/tasks/tasks.json")).toEqual(ok({ kind: "import", path: ".taskmaster/tasks/tasks.json" }));
    expect(parseSlashCommand('/hamster import ./plan/tasks.json tag="feature/login"')).toEqual(ok({ kind: "import", path: "plan/tasks.json", tag: "feature/login" }));
    expect(parseSlashCommand("/hamster import 'my plans/tasks.json'")).toEqual(ok({ kind: "import", path: "my plans/tasks.json" }));
  });

  it("asks for the path", () => {
    expect(parseSlashCommand("/hamster import")).toEqual(
      invalid("hamster", "`/hamster import` needs the path of a Task Master tasks file, such as `.taskmaster/tasks/tasks.json`"),
    );
  });

  it("refuses a path outside the repository and anything but a tag after it, all together", () => {
    expect(parseSlashCommand("/hamster import ../secrets.json tag=a tag=b soon tag=-x")).toEqual(
      invalid("hamster", '"../secrets.json" is not a path in this repository', "`tag` is given twice", 'expected `tag=<name>` after the path, but got "soon"', '"-x" is not a Task Master tag name'),
    );
    expect(parseSlashCommand("/hamster import /etc/passwd")).toEqual(invalid("hamster", '"/etc/passwd" is not a path in this repository'));
  });

  it("is in the help", () => {
    expect(renderCommandHelp("import")).toContain("`/hamster import <path> [tag=<name>]`");
    expect(renderCommandHelp()).toContain("`/hamster import <path> [tag=<name>]`");
  });
});

describe("parseSlashCommand: /hamster prefs", () => {
  it("sets one or more preferences, quoted or not", () => {
    expect(parseSlashCommand(`/hamster prefs agent=codex branch="release/2.0" model='claude-opus-4-1'`, { knownAgents: ["claude", "codex"] })).toEqual(
      ok({ kind: "prefs", action: "set", values: { agent: "codex", branch: "release/2.0", model: "claude-opus-4-1" } }),
    );
    expect(parseSlashCommand("  /hamster   prefs   branch=develop  ")).toEqual(
      ok({ kind: "prefs", action: "set", values: { branch: "develop" } }),
    );
  });

  it("ignores the lines after the command", () => {
    expect(parseSlashCommand("/hamster prefs\nagent=gpt")).toEqual(ok({ kind: "prefs", action: "show" }));
  });

  it("asks for a subcommand, listing them", () => {
    expect(parseSlashCommand("/hamster")).toEqual(invalid("hamster", "`/hamster` needs a subcommand; the subcommands are `prefs`, `setup`, `import`"));
    expect(parseSlashCommand("/hamster preferences agent=claude")).toEqual(
      invalid("hamster", 'unknown subcommand "preferences" of `/hamster`; the subcommands are `prefs`, `setup`, `import`'),
    );
  });

  it("rejects arguments after reset", () => {
    expect(parseSlashCommand("/hamster prefs reset agent=claude")).toEqual(invalid("hamster", "`/hamster prefs reset` takes no arguments"));
  });

  it("reports every problem with the settings together", () => {
    expect(
      parseSlashCommand("/hamster prefs target=develop agent=gpt agent=claude branch=../x model=! soon branch= Agent=claude reset"),
    ).toEqual(
      invalid(
        "hamster",
        'unknown preference "target"; the preferences are agent, branch, model',
        'unknown agent "gpt"; the agents are claude',
        'preference "agent" is given more than once',
        'branch "../x" is not a valid branch name: branch names cannot contain ".."',
        'model "!" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
        'expected key=value or `reset` after `/hamster prefs`, but got "soon"',
        'preference "branch" is given more than once',
        'expected key=value or `reset` after `/hamster prefs`, but got "Agent=claude"',
        'expected key=value or `reset` after `/hamster prefs`, but got "reset"',
      ),
    );
  });

  it("reports an empty value", () => {
    expect(parseSlashCommand('/hamster prefs model=""')).toEqual(invalid("hamster", 'preference "model" has an empty value'));
  });

  it("reports an unterminated quote with its column, after the problems before it", () => {
    expect(parseSlashCommand("/hamster prefs agent=gpt branch='dev")).toEqual(
      invalid("hamster", 'unknown agent "gpt"; the agents are claude', "unterminated single quote at column 33 of the /hamster line"),
    );
    expect(parseSlashCommand('/hamster "prefs')).toEqual(invalid("hamster", "unterminated double quote at column 10 of the /hamster line"));
  });

  it("takes the agents it accepts from the options", () => {
    expect(parseSlashCommand("/hamster prefs agent=claude", { knownAgents: [] })).toEqual(
      invalid("hamster", 'unknown agent "claude"; no agents are available'),
    );
  });
});

describe("findPreferenceProblems", () => {
  it("holds the console's preference form to the rules of /hamster prefs", () => {
    expect(findPreferenceProblems({ agent: "claude", branch: "develop", model: "claude-opus-5-5" }, ["claude"])).toEqual([]);
    expect(findPreferenceProblems({ agent: "skynet", branch: "bad..name", model: "no spaces" }, ["claude"])).toEqual([
      'unknown agent "skynet"; the agents are claude',
      expect.stringMatching(/^branch "bad\.\.name" is not a valid branch name: /),
      'model "no spaces" is not a valid model name: use at most 100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    ]);
  });
});

describe("parseSlashCommand: /hamster setup", () => {
  it("sets up actions, quoted or not, and ignores the lines after the command", () => {
    expect(parseSlashCommand("  /hamster  setup  actions  ")).toEqual(ok({ kind: "setup", target: "actions" }));
    expect(parseSlashCommand(`/hamster "setup" 'actions'`)).toEqual(ok({ kind: "setup", target: "actions" }));
    expect(parseSlashCommand("Please:\n/hamster setup actions\nthanks")).toEqual(ok({ kind: "setup", target: "actions" }));
  });

  it("asks what to set up, and refuses anything but actions", () => {
    expect(parseSlashCommand("/hamster setup")).toEqual(invalid("hamster", "`/hamster setup` needs what to set up; the choices are `actions`"));
    expect(parseSlashCommand("/hamster setup runners")).toEqual(invalid("hamster", 'unknown target "runners" of `/hamster setup`; the choices are `actions`'));
    expect(parseSlashCommand("/hamster setup Actions")).toEqual(invalid("hamster", 'unknown target "Actions" of `/hamster setup`; the choices are `actions`'));
  });

  it("rejects arguments after the target", () => {
    expect(parseSlashCommand("/hamster setup actions now")).toEqual(invalid("hamster", "`/hamster setup actions` takes no arguments"));
  });

  it("reports an unterminated quote, after the problems before it", () => {
    expect(parseSlashCommand('/hamster setup "actions')).toEqual(invalid("hamster", "unterminated double quote at column 16 of the /hamster line"));
    expect(parseSlashCommand("/hamster setup actions 'x")).toEqual(invalid("hamster", "unterminated single quote at column 24 of the /hamster line"));
    expect(parseSlashCommand("/hamster setup runners 'x")).toEqual(
      invalid("hamster", 'unknown target "runners" of `/hamster setup`; the choices are `actions`', "unterminated single quote at column 24 of the /hamster line"),
    );
  });
});

describe("renderCommandHelp", () => {
  it("gives /deliver's usage", () => {
    const help = renderCommandHelp("deliver");
    expect(help).toContain("**Usage:** `/deliver [all] [key=value ...] [instructions]`");
    expect(help).toContain("`/deliver all` on a brief");
    expect(renderCommandHelp("/deliver")).toBe(help);
  });

  it("gives the exact help of a command without arguments", () => {
    expect(renderCommandHelp("cancel")).toBe(
      [
        "**Usage:** `/cancel`",
        "",
        "Stops the task's active run; on a brief, every active run of its tasks. The command takes no arguments.",
        "",
        "Write the command at the start of a line, outside code blocks and quotes; only the first command in a comment counts.",
      ].join("\n"),
    );
    expect(renderCommandHelp("retry")).toContain("**Usage:** `/retry`");
    expect(renderCommandHelp("runs")).toContain("**Usage:** `/runs`");
  });

  it("gives the preferences' help for /hamster, with every key", () => {
    const help = renderCommandHelp("hamster");
    expect(renderCommandHelp("hamster prefs")).toBe(help);
    for (const key of ["agent", "branch", "model"]) expect(help).toContain(`| \`${key}\` |`);
    expect(help).not.toContain("| `target` |");
  });

  it("gives the same help for /hamster setup, which tells what it opens", () => {
    const help = renderCommandHelp("hamster");
    expect(renderCommandHelp("hamster setup")).toBe(help);
    expect(renderCommandHelp("setup")).toBe(help);
    expect(help).toContain("| `/hamster setup actions` | Opens a pull request that adds `.github/workflows/hamster.yml`");
    expect(help).toContain("\n/hamster setup actions\n");
  });

  it("lists every command when none or an unknown one is asked for", () => {
    const overview = renderCommandHelp();
    expect(renderCommandHelp("frobnicate")).toBe(overview);
    for (const usage of ["/deliver [key=value ...] [instructions]", "/cancel", "/retry", "/runs", "/hamster prefs", "/hamster prefs key=value ...", "/hamster prefs reset", "/hamster setup actions", "/deliver all [key=value ...]"]) {
      expect(overview).toContain(`| \`${usage}\` |`);
    }
  });

  it.each(["deliver", "hamster"])("has examples for %s that parse", (command) => {
    const help = renderCommandHelp(command);
    const examples = help.slice(help.indexOf("```\n") + 4, help.lastIndexOf("\n```")).split("\n");
    expect(examples.length).toBeGreaterThan(1);
    for (const example of examples) expect(parseSlashCommand(example).kind, example).toBe("ok");
  });
});
