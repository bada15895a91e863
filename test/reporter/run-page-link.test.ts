import { describe, expect, it } from "vitest";
import { renderRunPagePath, renderRunPageUrl } from "../../src/reporter/run-page-link.js";
import { renderStatusComment } from "../../src/reporter/render-status-comment.js";
import { buildRun } from "../helpers/runs.js";

describe("the run page link", () => {
  const oauth = { clientId: "Iv1.client", clientSecret: "not-a-secret-in-tests" };

  it("is the run page's absolute address under the public URL while the console is on, and nothing while it is off", () => {
    expect(renderRunPagePath(42)).toBe("/hamster/runs/42");
    expect(renderRunPageUrl({ publicUrl: "https://hamster.example.com", oauth }, 42)).toBe("https://hamster.example.com/hamster/runs/42");
    expect(renderRunPageUrl({ publicUrl: "https://hamster.example.com" }, 42)).toBeUndefined();
  });

  it("is in the status comment when there is one", () => {
    const view = { run: buildRun({ id: 42 }), transitions: [], now: new Date() };
    expect(renderStatusComment({ ...view, links: { runPage: "https://hamster.example.com/hamster/runs/42" } })).toContain(
      "Live log and diff: [run #42](https://hamster.example.com/hamster/runs/42)",
    );
    expect(renderStatusComment(view)).not.toContain("/hamster/runs/");
  });
});
