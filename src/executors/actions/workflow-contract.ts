// Where the executors and their helpers look for the workflow contract.
export * from "../../domain/actions-workflow.js";
