/** A problem with the command line or its inputs, said to the user as is. */
export class CliError extends Error {
  override readonly name = "CliError";
}
