import { ProbotOctokit, run } from "probot";
import { parseSettings, SettingsError } from "./config/env.js";
import { createHamsterApp } from "./index.js";

try {
  const settings = parseSettings(process.env);
  const hamster = createHamsterApp({ settings });
  // Probot's default only logs a secondary rate limit; retry it (after GitHub's retry-after) twice.
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), onSecondaryRateLimit: (_after: number, _o: unknown, _k: unknown, retryCount: number) => retryCount < 2 },
  }));
  const server = await run(hamster.appFn, { Octokit });
  // SIGTERM (docker stop, systemd, a deploy): take no new webhooks, give running runs a grace
  // period to reach a stage boundary, and leave the rest for the next start to resume.
  process.once("SIGTERM", () => {
    void (async () => {
      await server.stop();
      await hamster.drain(settings.shutdownGraceMs);
      await hamster.close();
      process.exit(0);
    })();
  });
} catch (error) {
  if (error instanceof SettingsError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
