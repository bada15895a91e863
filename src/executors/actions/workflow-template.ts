import { BOOTSTRAP_FILE_NAME, BOOTSTRAP_SCRIPT } from "./bootstrap-script.js";
import { DEFAULT_WORKFLOW_PATH, WORKFLOW_INPUTS } from "../../domain/actions-workflow.js";

/** Why a workflow could not be rendered for the given public URL. */
export class WorkflowTemplateError extends Error {
  override readonly name = "WorkflowTemplateError";
}

/** The quoted heredoc's end marker: no line of the bootstrap may be exactly this. */
const HEREDOC_END = "HAMSTER_START";
/** Where the Hamster step's `run:` text starts: a step's keys are at 8 spaces, its block's lines at 10. */
const RUN_INDENT = " ".repeat(10);

/** `${{ … }}`, GitHub's expression syntax, spelled out once (a template literal would take it for its own). */
const expression = (text: string) => "${{ " + text + " }}";
const input = (name: string) => expression(`inputs.${name}`);

/**
 * The `.github/workflows/hamster.yml` Hamster ships (pure): the job the app dispatches for
 * each run attempt, with a setup section the repository edits and a Hamster step that runs
 * the bootstrap. `publicUrl` is the app's address as GitHub's runners reach it; a trailing
 * slash is dropped, as the app drops it from HAMSTER_PUBLIC_URL, so the OIDC audience the
 * job asks for is the one the app expects.
 */
export function renderWorkflowTemplate(options: { publicUrl: string }): string {
  const publicUrl = parsePublicUrl(options.publicUrl);
  return [...renderHeader(), ...renderSetupSection(), ...renderHamsterStep(publicUrl)].join("\n") + "\n";
}

function renderHeader(): string[] {
  return [
    `# ${DEFAULT_WORKFLOW_PATH}: where Hamster runs its tasks on this repository's GitHub Actions runners.`,
    "#",
    "# The Hamster app starts this workflow (workflow_dispatch) for each attempt of a run. The job",
    "# checks out the repository, runs the setup section below, then the Hamster step, which fetches",
    "# the Hamster runner from the app and runs it: the runner does the task and sends its work back",
    "# to the app, which checks it and pushes it. The job itself pushes nothing.",
    "#",
    "# Edit only the setup section (marked below). Everything else is what the app relies on: keep it",
    "# as it is, or render it again with `hamster setup actions` (or comment `/hamster setup actions`",
    "# on an issue) when the app asks you to.",
    "name: Hamster",
    "# The app finds the runs it started by this name: keep it as it is.",
    `run-name: Hamster run ${input(WORKFLOW_INPUTS.run)} attempt ${input(WORKFLOW_INPUTS.attempt)}`,
    "",
    "on:",
    "  # Only the Hamster app starts this workflow; its inputs are identifiers and a limit, never a secret.",
    "  workflow_dispatch:",
    "    inputs:",
    `      ${WORKFLOW_INPUTS.run}:`,
    '        description: "The Hamster run (set by the Hamster app)"',
    "        required: true",
    "        type: string",
    `      ${WORKFLOW_INPUTS.attempt}:`,
    '        description: "The attempt of the run (set by the Hamster app)"',
    "        required: true",
    "        type: string",
    `      ${WORKFLOW_INPUTS.timeoutMinutes}:`,
    '        description: "Minutes the job may take (the run\'s time budget)"',
    "        required: false",
    '        default: "60"',
    "        type: string",
    "",
    "# Keep these as they are: reading the repository, and an OIDC token that proves to the Hamster",
    "# app that this job is the one it started. Nothing else: the job needs no write access.",
    "permissions:",
    "  contents: read",
    "  id-token: write",
    "",
    "jobs:",
    "  deliver:",
    "    runs-on: ubuntu-latest",
    `    timeout-minutes: ${expression(`fromJSON(inputs.${WORKFLOW_INPUTS.timeoutMinutes})`)}`,
    "    steps:",
    "      # The repository, as the task starts from it. No credentials are left in its git config.",
    "      - name: Check out the repository",
    "        uses: actions/checkout@v4",
    "        with:",
    "          persist-credentials: false",
    "",
    "      # The Hamster runner needs Node.js 20. Keep this step; add other versions in the setup section.",
    "      - name: Set up Node.js for Hamster",
    "        uses: actions/setup-node@v4",
    "        with:",
    "          node-version: 20",
  ];
}

function renderSetupSection(): string[] {
  return [
    "",
    "      # ---- Setup: edit this section -------------------------------------------------------------",
    "      # Install what the agent needs to build and test this repository: languages, packages,",
    "      # services. These steps run before Hamster starts, in the same job, for example:",
    "      #",
    "      # - uses: actions/setup-python@v5",
    "      #   with:",
    '      #     python-version: "3.12"',
    "      # - run: pip install -r requirements.txt",
    "      #",
    "      # - run: npm ci",
    "      #",
    "      # Replace the step below with your own.",
    "      - name: Show the tools at hand",
    "        run: node --version && npm --version && git --version",
    "      # ---- End of the setup section -------------------------------------------------------------",
  ];
}

function renderHamsterStep(publicUrl: string): string[] {
  return [
    "",
    "      # ---- Hamster: keep as it is ----------------------------------------------------------------",
    "      # Writes a small Node.js script and runs it: it proves to the Hamster app (HAMSTER_URL) with the",
    "      # job's OIDC token that this is the job the app started, gets this run's credential, downloads",
    "      # the Hamster runner, checks its sha256, and runs it without the job's GitHub token.",
    "      - name: Hamster",
    "        shell: bash",
    "        env:",
    // JSON's double-quoted string is a YAML double-quoted scalar: any character of the URL stays text.
    `          HAMSTER_URL: ${JSON.stringify(publicUrl)}`,
    `          HAMSTER_RUN: ${input(WORKFLOW_INPUTS.run)}`,
    `          HAMSTER_ATTEMPT: ${input(WORKFLOW_INPUTS.attempt)}`,
    "        run: |",
    ...indentBlock([
      `cat > "$RUNNER_TEMP/${BOOTSTRAP_FILE_NAME}" <<'${HEREDOC_END}'`,
      ...BOOTSTRAP_SCRIPT.replace(/\n$/, "").split("\n"),
      HEREDOC_END,
      `node "$RUNNER_TEMP/${BOOTSTRAP_FILE_NAME}"`,
    ]),
  ];
}

/** The lines of a YAML literal block: indented, with empty lines left empty. */
function indentBlock(lines: readonly string[]): string[] {
  return lines.map((line) => (line === "" ? "" : `${RUN_INDENT}${line}`));
}

/** The URL as the workflow holds it, or why it cannot. */
function parsePublicUrl(value: string): string {
  const trimmed = value.replace(/\/+$/, "");
  const shown = JSON.stringify(value);
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new WorkflowTemplateError(`The public URL must be an http(s) URL, got ${shown}.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new WorkflowTemplateError(`The public URL must be an http(s) URL, got ${shown}.`);
  // The URL parser drops tabs and newlines silently; the workflow would keep them.
  if (/[\s\u0000-\u001f\u007f]/u.test(trimmed)) throw new WorkflowTemplateError(`The public URL must not contain spaces or control characters, got ${shown}.`);
  if (url.username !== "" || url.password !== "") {
    throw new WorkflowTemplateError("The public URL must not hold a user name or password: the workflow is committed to the repository.");
  }
  if (trimmed.includes("?") || trimmed.includes("#")) {
    throw new WorkflowTemplateError(`The public URL must have no query or fragment (the runner adds paths to it), got ${shown}.`);
  }
  if (trimmed.includes("${{")) throw new WorkflowTemplateError(`The public URL must not contain "\${{", which GitHub Actions reads as an expression, got ${shown}.`);
  return trimmed;
}

/** Checked once, when the module loads: a bootstrap that would break the heredoc or the workflow is a bug here. */
function assertEmbeddable(script: string): void {
  if (script.split("\n").includes(HEREDOC_END)) throw new Error(`The bootstrap has a line "${HEREDOC_END}", which would end its heredoc.`);
  if (script.includes("${{")) throw new Error("The bootstrap contains an Actions expression opener.");
}
assertEmbeddable(BOOTSTRAP_SCRIPT);
