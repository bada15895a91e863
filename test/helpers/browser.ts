import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

/**
 * A real browser for the console's tests: Debian's chromium (`apt-get install chromium`, as
 * .ci/run does), headless, driven by playwright-core (which downloads no browser of its own).
 * One browser per test file; each test gets a fresh context (no cookies, no storage) and closes it.
 * Every wait is bounded: a page that never shows what a test awaits fails it within seconds.
 */

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** How long one navigation, click or expectation may take before the test fails. */
export const BROWSER_STEP_MS = 10_000;
const LAUNCH_TIMEOUT_MS = 20_000;

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`The console's browser tests need Debian's chromium at ${CHROMIUM_PATH}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: LAUNCH_TIMEOUT_MS,
    // Chromium's own sandbox refuses to start as root (the CI container); the test's pages are the app's own.
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
}

/** A fresh context and page with bounded timeouts; close the context when the test ends. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(BROWSER_STEP_MS);
  context.setDefaultNavigationTimeout(BROWSER_STEP_MS);
  const page = await context.newPage();
  return { context, page };
}

/**
 * One browser for the file, a context per test: `use()` in a test, `closeAll()` in afterEach,
 * `stop()` in afterAll.
 */
export function createBrowserSession() {
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  return {
    async use(): Promise<Page> {
      browser ??= await launchBrowser();
      const { context, page } = await openPage(browser);
      contexts.push(context);
      return page;
    },
    async closeAll(): Promise<void> {
      await Promise.allSettled(contexts.splice(0).map((context) => context.close()));
    },
    async stop(): Promise<void> {
      await this.closeAll();
      await browser?.close();
      browser = undefined;
    },
  };
}
