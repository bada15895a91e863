import { describe, expect, it } from "vitest";
import {
  parseSettingsAction,
  readDefaultsForm,
  readPreferencesForm,
  readProviderKey,
  showDefaults,
} from "../../src/console/settings-form.js";
import { anthropicLike } from "../security/fake-secrets.js";

const form = (fields: Record<string, string>) => new URLSearchParams(fields);

describe("the settings forms", () => {
  it("knows its four actions and nothing else", () => {
    expect(parseSettingsAction(form({ action: "set-key" }))).toBe("set-key");
    expect(parseSettingsAction(form({ action: "save-preferences" }))).toBe("save-preferences");
    expect(parseSettingsAction(form({ action: "drop-tables" }))).toBeUndefined();
    expect(parseSettingsAction(form({}))).toBeUndefined();
  });

  it("reads the defaults under the .github/hamster.yml names: empty fields unset, numbers as numbers, other text as text", () => {
    expect(
      readDefaultsForm(form({ agent: " claude ", model: "", executor: "process", "budgets.turns": "80", "budgets.cost_usd": "2.5", "budgets.minutes": "soon", "budgets.input_tokens": " " })),
    ).toEqual({ agent: "claude", executor: "process", budgets: { turns: 80, cost_usd: 2.5, minutes: "soon" } });
    expect(readDefaultsForm(form({}))).toEqual({});
  });

  it("shows stored defaults back under the same names", () => {
    expect(showDefaults({ model: "m", budgets: { turns: 80, costUsd: 2.5 } })).toEqual({
      agent: "",
      model: "m",
      executor: "",
      budgets: { turns: "80", input_tokens: "", output_tokens: "", cost_usd: "2.5", minutes: "" },
    });
  });

  it("reads preferences, leaving out what is empty", () => {
    expect(readPreferencesForm(form({ agent: "", branch: " develop ", model: "claude-opus-5-5" }))).toEqual({ branch: "develop", model: "claude-opus-5-5" });
  });

  it("takes a key of one line, trimmed, and refuses anything else without repeating it", () => {
    const key = anthropicLike("settings-form-key-0123456789");
    expect(readProviderKey(form({ key: `  ${key}\n` }))).toEqual({ ok: true, key });
    expect(readProviderKey(form({ key: "" }))).toEqual({ ok: false, error: "Paste the key into the field first." });
    for (const bad of [`${key} ${key}`, "short-one", "x".repeat(1001)]) {
      const read = readProviderKey(form({ key: bad }));
      expect(read.ok).toBe(false);
      expect(JSON.stringify(read)).not.toContain(bad.slice(0, 12));
    }
  });
});
