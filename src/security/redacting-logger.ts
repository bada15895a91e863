import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import type { Redactor } from "./redactor.js";

/**
 * Logs pass through the redactor as finished lines, after pino has serialised everything
 * (the message, merged objects, `err.message`/`err.stack`/`err.cause`, child bindings), so
 * nothing a log call can carry escapes it.
 */

type LineRedactor = Pick<Redactor, "redact" | "redactDeep">;

/**
 * Redacts one serialised log line. A JSON line with a secret is parsed, redacted field by
 * field and serialised again, so it stays valid JSON for the formatter after it; when that
 * is not possible the line is redacted as text.
 */
export function redactLogLine(redactor: LineRedactor, line: string): string {
  const asText = redactor.redact(line);
  if (asText === line) return line;
  try {
    const newline = line.endsWith("\n") ? "\n" : "";
    const structured = JSON.stringify(redactor.redactDeep(JSON.parse(line) as unknown)) + newline;
    // The text pass is the guard: a form only it recognises wins over keeping the JSON valid.
    return redactor.redact(structured) === structured ? structured : asText;
  } catch {
    return asText;
  }
}

/** A pino destination that redacts every line before handing it to `destination`. */
export function createRedactingStream(redactor: LineRedactor, destination: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      destination.write(redactLogLine(redactor, line));
    },
  };
}

export interface RedactingLoggerOptions extends LoggerOptions {
  /** Where redacted lines go; default standard output. */
  readonly destination?: DestinationStream;
}

/** A pino logger (Probot's `Logger`) whose every line, its children's too, is redacted. */
export function createRedactingLogger(redactor: LineRedactor, options: RedactingLoggerOptions = {}): Logger {
  const { destination, ...pinoOptions } = options;
  return pino({ name: "probot", level: "info", ...pinoOptions }, createRedactingStream(redactor, destination ?? pino.destination(1)));
}

type GetTransformStream = (options?: {
  logFormat?: "json" | "pretty";
  logLevelInString?: boolean;
  sentryDsn?: string;
}) => Promise<NodeJS.ReadWriteStream>;

/**
 * The logger Probot would build from the environment (LOG_LEVEL, LOG_FORMAT,
 * LOG_LEVEL_IN_STRING, LOG_MESSAGE_KEY, SENTRY_DSN: pretty or JSON output, Sentry), with
 * redaction before its formatting. Pass it to Probot's `run(appFn, { log })`. Falls back to
 * JSON lines on standard output if Probot's formatter (@probot/pino) cannot be loaded.
 */
export async function createProbotRedactingLog(redactor: LineRedactor, env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const logFormat = env["LOG_FORMAT"] ? (env["LOG_FORMAT"] === "pretty" ? "pretty" : "json") : env["NODE_ENV"] === "production" ? "json" : "pretty";
  const options: RedactingLoggerOptions = {
    level: env["LOG_LEVEL"] || "info",
    messageKey: env["LOG_MESSAGE_KEY"] || "msg",
  };
  // Probot's own formatter; a variable specifier, as it is Probot's dependency, not ours.
  const specifier = "@probot/pino";
  let getTransformStream: GetTransformStream | undefined;
  try {
    getTransformStream = ((await import(specifier)) as { getTransformStream?: GetTransformStream }).getTransformStream;
  } catch {
    getTransformStream = undefined;
  }
  if (!getTransformStream) return createRedactingLogger(redactor, options);
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env["LOG_LEVEL_IN_STRING"] === "true",
    ...(env["SENTRY_DSN"] ? { sentryDsn: env["SENTRY_DSN"] } : {}),
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return createRedactingLogger(redactor, { ...options, destination: transform as unknown as DestinationStream });
}
