import { describe, expect, it } from "vitest";
import { createRedactor, REDACTED } from "../../src/security/redactor.js";
import { createProbotRedactingLog, createRedactingLogger, redactLogLine } from "../../src/security/redacting-logger.js";
import { classicToken, privateKeys } from "./fake-secrets.js";

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const redactor = createRedactor({ secrets });
  const log = createRedactingLogger(redactor, { level: "debug", destination: { write: (line) => void lines.push(line) } });
  return { log, lines, redactor };
}

describe("redacting logger", () => {
  const secret = "webhook-secret-canary-42";

  it("redacts a secret in the message and in err.message and err.stack", () => {
    const { log, lines } = capture([secret]);
    const token = classicToken("ghs");
    log.error({ err: new Error(`git push said ${token}`), runId: 7 }, `could not deliver with ${secret}`);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toContain(secret);
    expect(line).not.toContain(token);
    const entry = JSON.parse(line) as { msg: string; runId: number; err: { message: string; stack: string; type: string } };
    expect(entry.msg).toBe(`could not deliver with ${REDACTED}`);
    expect(entry.err.message).toBe(`git push said ${REDACTED}`);
    expect(entry.err.stack).toContain(`Error: git push said ${REDACTED}`);
    expect(entry).toMatchObject({ runId: 7, err: { type: "Error" } });
    expect(line.endsWith("\n")).toBe(true);
  });

  it("redacts child bindings, format arguments and secrets learnt after the logger was made", () => {
    const { log, lines, redactor } = capture();
    const child = log.child({ delivery: "d-1", remote: "https://x-access-token:late-token-value-123@github.com/a/b.git" });
    redactor.addSecret("late-token-value-123");
    child.info("pushing %s", "late-token-value-123");
    expect(lines.join("")).not.toContain("late-token-value-123");
    expect(JSON.parse(lines[0]!)).toMatchObject({ delivery: "d-1", msg: `pushing ${REDACTED}` });
  });

  it("keeps a line without secrets as it is, and the JSON valid when a PEM key is logged", () => {
    const { log, lines } = capture();
    log.info({ a: 1 }, "plain");
    const { pkcs8 } = privateKeys();
    log.warn({ config: { key: pkcs8 } }, "loaded");
    expect(JSON.parse(lines[0]!)).toMatchObject({ a: 1, msg: "plain" });
    expect(lines[1]).not.toContain("PRIVATE KEY");
    expect(JSON.parse(lines[1]!)).toMatchObject({ config: { key: `${REDACTED}\n` }, msg: "loaded" });
  });

  it("redacts a line that is not JSON as text", () => {
    const redactor = createRedactor({ secrets: [secret] });
    expect(redactLogLine(redactor, `plain ${secret} text\n`)).toBe(`plain ${REDACTED} text\n`);
  });

  it("builds Probot's logger from the environment", async () => {
    const log = await createProbotRedactingLog(createRedactor(), { LOG_LEVEL: "silent", LOG_FORMAT: "json" });
    expect(log.level).toBe("silent");
    log.info("not written");
  });
});
