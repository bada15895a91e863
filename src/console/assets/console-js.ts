/** The console's script, served as /hamster/assets/console.js: plain browser JavaScript, no build step. */
export const CONSOLE_JS = `
`;
