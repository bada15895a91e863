import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderDiffFiles } from "../../src/console/run-diff-page.js";
import { createRunDiffStore } from "../../src/store/run-diff-store.js";
import { ACME_INSTALLATION, HOSTILE_TEXTS, seedRun, startConsoleHarness, twoTeams, WIDGETS, type ConsoleHarness } from "../helpers/console.js";
import { runTestGit } from "../helpers/git.js";

/** The diff viewer: each file drawn by diff2html, side by side or unified, hostile names and lines as text. */

let harness: ConsoleHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A real `git diff` of a commit that adds files named and filled with hostile text (no slashes in names). */
async function hostilePatch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "hamster-diff-"));
  try {
    await runTestGit(["init", "--quiet", "--initial-branch=main", dir]);
    await writeFile(join(dir, "README.md"), "# Sample\n");
    await runTestGit(["-C", dir, "add", "-A"]);
    await runTestGit(["-C", dir, "commit", "--quiet", "-m", "base"]);
    await writeFile(join(dir, "<img src=x onerror=alert(1)>.txt"), `${HOSTILE_TEXTS.script}\n`);
    await writeFile(join(dir, `${HOSTILE_TEXTS.bidi}`), `${HOSTILE_TEXTS.htmlInCode}\n${HOSTILE_TEXTS.attribute}\n`);
    await writeFile(join(dir, "README.md"), "# Sample\n\nhello\n");
    await runTestGit(["-C", dir, "add", "-A"]);
    await runTestGit(["-C", dir, "commit", "--quiet", "-m", "work"]);
    return await runTestGit(["-C", dir, "-c", "core.quotePath=false", "diff", "--no-color", "HEAD~1", "HEAD", "--"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("GET /hamster/runs/:id/diff", () => {
  it("draws each file with diff2html, side by side by default or unified, and lists them", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const run = seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 7, title: "Add hello" });
    const patch = await hostilePatch();
    createRunDiffStore(harness.db).saveRunDiff(run.id, { baseSha: "a".repeat(40), headSha: "b".repeat(40), patch, truncated: false });
    const alice = await harness.signIn("alice");

    const side = await (await harness.request(`/hamster/runs/${run.id}/diff`, { cookie: alice.cookie })).text();
    expect(side.match(/<section class="diff-file" id="file-\d+">/g)).toHaveLength(3);
    expect(side).toContain("d2h-file-side-diff");
    expect(side).not.toContain("d2h-file-diff\"");
    expect(side).toContain('href="/hamster/assets/diff2html.min.css"');
    expect(side).toContain("<strong aria-current=\"page\">side by side</strong>");
    expect(side).toMatch(/3 files, <span class="added">\+7<\/span> <span class="deleted">−0<\/span>/);

    const unified = await (await harness.request(`/hamster/runs/${run.id}/diff?view=unified`, { cookie: alice.cookie })).text();
    expect(unified).not.toContain("d2h-file-side-diff");
    expect(unified).toContain("d2h-file-diff");
    expect(unified).toContain("hello");

    for (const html of [side, unified]) {
      expect(html).not.toContain("<script>alert(1)</script>");
      expect(html).not.toContain("<img src=x onerror");
      expect(html).not.toContain("\u202e");
      expect(html).not.toContain('" onmouseover="');
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;.txt");
      expect(html).toContain("invoice[U+202E]txt.exe");
      expect(html).toMatch(/&lt;script&gt;alert\(1\)&lt;(&#x2F;|\/)script&gt;/);
    }
  });

  it("says when the diff was cut, and when there is none yet", async () => {
    harness = await startConsoleHarness({ world: twoTeams() });
    const cut = seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 7, title: "Big" });
    const none = seedRun(harness.runs, { installationId: ACME_INSTALLATION, repo: WIDGETS, issueNumber: 8, title: "Nothing yet" });
    createRunDiffStore(harness.db).saveRunDiff(cut.id, { baseSha: "a".repeat(40), headSha: "b".repeat(40), patch: await hostilePatch(), truncated: true });
    const alice = await harness.signIn("alice");
    expect(await (await harness.request(`/hamster/runs/${cut.id}/diff`, { cookie: alice.cookie })).text()).toContain("too long to keep whole");
    const empty = await harness.request(`/hamster/runs/${none.id}/diff`, { cookie: alice.cookie });
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain("No diff yet");
  });
});

describe("renderDiffFiles", () => {
  it("names renamed, deleted and binary files by what they are", () => {
    const patch = [
      "diff --git a/old.txt b/new.txt",
      "similarity index 100%",
      "rename from old.txt",
      "rename to new.txt",
      "diff --git a/gone.txt b/gone.txt",
      "deleted file mode 100644",
      "index ce01362..0000000",
      "--- a/gone.txt",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-hello",
      "diff --git a/logo.png b/logo.png",
      "new file mode 100644",
      "index 0000000..1b2c3d4",
      "Binary files /dev/null and b/logo.png differ",
      "",
    ].join("\n");
    expect(renderDiffFiles(patch, "unified").map((file) => [file.name, file.status, file.added, file.deleted])).toEqual([
      ["old.txt → new.txt", "renamed", 0, 0],
      ["gone.txt", "deleted", 0, 1],
      ["logo.png", "added", 0, 0],
    ]);
  });
});
