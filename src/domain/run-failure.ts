/** A run cannot go on; `message` is written for the person who asked for the run. */
export class RunFailure extends Error {
  override readonly name = "RunFailure";
}
