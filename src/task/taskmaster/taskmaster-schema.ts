import { z } from "zod";

/**
 * The shape of a Task Master tasks file, as far as the import reads it: the fields of a
 * task and a subtask Task Master documents (id, title, description, details, testStrategy,
 * status, dependencies, priority, subtasks) and `acceptanceCriteria`. Other fields
 * (metadata, complexity, timestamps) are allowed and ignored.
 */

// Task Master's file storage numbers tasks (1, 2, …); its API storage uses ids such as "HAM-1".
// A dot is what separates a task from its subtask in a reference, so it cannot be in an id.
const ID_TEXT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const REFERENCE_TEXT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}(?:\.[A-Za-z0-9][A-Za-z0-9_-]{0,63})?$/;

/** An error message that tells a missing field from a wrong one. */
function expected(what: string) {
  return { error: (issue: { input: unknown }) => (issue.input === undefined ? `is missing: it must be ${what}` : `must be ${what}`) };
}

const ID_EXPECTED = 'a whole number or a short id such as "3" or "HAM-1"';
const id = z.union(
  [z.number().int(expected(ID_EXPECTED)).nonnegative(expected(ID_EXPECTED)), z.string().regex(ID_TEXT, expected(ID_EXPECTED))],
  expected(ID_EXPECTED),
);

const REFERENCE_EXPECTED = 'a task id such as 3 or "3", or a subtask such as "3.2"';
const reference = z.union(
  [z.number().int(expected(REFERENCE_EXPECTED)).nonnegative(expected(REFERENCE_EXPECTED)), z.string().regex(REFERENCE_TEXT, expected(REFERENCE_EXPECTED))],
  expected(REFERENCE_EXPECTED),
);

// Task Master writes empty text as "" but older files and hand edits leave fields out or null.
const text = z.string(expected("text")).nullish();
const dependencies = z.array(reference, expected("a list of task ids")).nullish();
// Task Master's types say a list of strings; its own files also hold one markdown string.
const criteria = z.union([z.string(), z.array(z.string())], expected("text or a list of texts")).nullish();

export const SubtaskSchema = z.looseObject(
  {
    id,
    title: z.string(expected("a non-empty title")).trim().min(1, expected("a non-empty title")),
    description: text,
    details: text,
    testStrategy: text,
    acceptanceCriteria: criteria,
    status: text,
    dependencies,
  },
  expected("a subtask object"),
);

/** A task: a subtask's fields, and its priority and subtasks. */
export const TaskSchema = z.looseObject(
  {
    ...SubtaskSchema.shape,
    priority: text,
    subtasks: z.array(SubtaskSchema, expected("a list of subtasks")).nullish(),
  },
  expected("a task object"),
);

/** What holds the tasks: the whole file in the legacy layout, one tag's value in the tagged one. */
export const TaskListSchema = z.looseObject(
  { tasks: z.array(TaskSchema, expected("a list of tasks")) },
  expected('an object with a "tasks" list'),
);

export type RawTask = z.infer<typeof TaskSchema>;
export type RawSubtask = z.infer<typeof SubtaskSchema>;
