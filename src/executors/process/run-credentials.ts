/**
 * The run credentials a process executor hands its runners: one per attempt, bound to it,
 * refused once revoked. Backed by the store's hashed credentials in the app.
 */
export interface RunCredentials {
  /** A new credential for the attempt (earlier ones of the run stop working). */
  issue(runId: number, attempt: number): string;
  /** The attempt a credential belongs to; null when it is unknown, malformed, revoked or expired. */
  verify(token: string): { readonly runId: number; readonly attempt: number } | null;
  /** Ends every credential of the run. */
  revoke(runId: number): void;
}
