import { run } from "probot";
import { parseSettings, SettingsError } from "./config/env.js";
import { createHamsterApp } from "./index.js";

try {
  const settings = parseSettings(process.env);
  const hamster = createHamsterApp({ settings });
  const server = await run(hamster.appFn);
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
