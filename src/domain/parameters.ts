/** Where a run's parameter came from, in order of precedence. */
export type ParameterSource = "command" | "preferences" | "repository" | "installation" | "default";

export interface ResolvedParameter<T> {
  value: T;
  source: ParameterSource;
}

export interface ResolvedParameters {
  branch: ResolvedParameter<string>;
  target: ResolvedParameter<string>;
  agent: ResolvedParameter<string>;
  model: ResolvedParameter<string>;
}
