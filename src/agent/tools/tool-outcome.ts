/** What a tool execution hands back to the model: text, and whether it is a failure. */
export interface ToolOutcome {
  readonly content: string;
  /** True when the tool could not do what was asked; sent as `is_error` on the tool_result. */
  readonly isError: boolean;
  /**
   * How it ended in a few words, for the run's event log, never sent to the model (e.g.
   * "exit code 1"); absent: an error's first line says it.
   */
  readonly detail?: string;
}

export function toolError(content: string): ToolOutcome {
  return { content, isError: true };
}

export function toolOk(content: string): ToolOutcome {
  return { content, isError: false };
}
