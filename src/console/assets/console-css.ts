/** The console's style sheet, served as /hamster/assets/console.css. */
export const CONSOLE_CSS = `
`;
