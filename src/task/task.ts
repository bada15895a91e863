/** A task as the agent receives it: parsed once from the issue, then passed around as a value. */
export interface Subtask {
  readonly text: string;
  readonly done: boolean;
}

export interface Task {
  /** Issue number the task came from; 0 for local runs. */
  readonly number: number;
  readonly title: string;
  /** The description: the issue body without the acceptance-criteria and subtask sections, hidden content removed. */
  readonly description: string;
  readonly acceptanceCriteria: readonly string[];
  readonly subtasks: readonly Subtask[];
  /** Extra instructions given with the trigger (`/deliver ... free text`); empty when none. */
  readonly instructions: string;
  /** The discussion, only comments by its author and by people with write access. */
  readonly comments: readonly TaskComment[];
}

export interface TaskComment {
  readonly author: string;
  readonly body: string;
}
