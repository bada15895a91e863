import { Readable, Writable } from "node:stream";
import { main } from "../../src/cli/main.js";

/** A stream that keeps what is written to it, read back as text. */
export function captureText(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** `hamster …` in this process, `stdin` its standard input (empty when left out): its exit code and what it wrote. */
export async function runMain(argv: readonly string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const out = captureText();
  const err = captureText();
  const code = await main(argv, { in: Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]), out: out.stream, err: err.stream, env });
  return { code, out: out.text(), err: err.text() };
}
