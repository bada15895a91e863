import { run } from "probot";
import { createProductionOctokit } from "./github/app-octokit.js";
import { collectAppSecrets } from "./security/app-secrets.js";
import { createProbotRedactingLog } from "./security/redacting-logger.js";
import { sharedRedactor } from "./security/redactor.js";
import { applyDotEnv } from "./config/apply-dotenv.js";
import { parseSettings, SettingsError } from "./config/env.js";
import { DataDirLockedError } from "./store/data-dir-lock.js";
import { createHamsterApp } from "./index.js";

try {
  // Before anything reads the environment: Probot would load `.env` only inside run().
  applyDotEnv();
  const settings = parseSettings(process.env);
  const hamster = createHamsterApp({ settings });
  // One redactor guards logs, GitHub writes and the database: it learns every secret first.
  for (const secret of collectAppSecrets(process.env)) sharedRedactor.addSecret(secret);
  const log = await createProbotRedactingLog(sharedRedactor);
  const server = await run(hamster.appFn, { Octokit: createProductionOctokit(sharedRedactor), log });
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
  if (error instanceof SettingsError || error instanceof DataDirLockedError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
