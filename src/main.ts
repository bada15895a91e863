import { run } from "probot";
import { parseSettings, SettingsError } from "./config/env.js";
import { createHamsterApp } from "./index.js";

try {
  const hamster = createHamsterApp({ settings: parseSettings(process.env) });
  const server = await run(hamster.appFn);
  // Probot stops on SIGINT itself; SIGTERM (docker stop, systemd) gets the same orderly end.
  process.once("SIGTERM", () => {
    void (async () => {
      await server.stop();
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
