/**
 * Numbered schema migrations, applied in order at start. A migration is never edited
 * once released: add a new one instead. `PRAGMA user_version` records how far a file got.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, their transitions, and webhook deliveries.
  `
  CREATE TABLE runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id   INTEGER NOT NULL,
    repo_id           INTEGER NOT NULL,
    repo_owner        TEXT    NOT NULL,
    repo_name         TEXT    NOT NULL,
    issue_number      INTEGER NOT NULL,
    state             TEXT    NOT NULL,
    trigger           TEXT    NOT NULL,
    requested_by      TEXT    NOT NULL,
    delivery_id       TEXT,
    request           TEXT    NOT NULL,
    work_branch       TEXT,
    pr_number         INTEGER,
    pr_node_id        TEXT,
    check_run_id      INTEGER,
    status_comment_id INTEGER,
    head_sha          TEXT,
    reason            TEXT,
    summary           TEXT,
    input_tokens      INTEGER NOT NULL DEFAULT 0,
    output_tokens     INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd          REAL    NOT NULL DEFAULT 0,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL,
    finished_at       TEXT
  );
  -- The rule "one active run per task" lives here, not in code: two triggers racing
  -- each other cannot both insert.
  CREATE UNIQUE INDEX runs_one_active_per_task ON runs (repo_id, issue_number)
    WHERE state IN ('queued', 'preparing', 'planning', 'implementing', 'verifying', 'delivering');
  CREATE INDEX runs_by_state ON runs (state);

  CREATE TABLE run_transitions (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    state   TEXT    NOT NULL,
    at      TEXT    NOT NULL,
    detail  TEXT
  );
  CREATE INDEX run_transitions_by_run ON run_transitions (run_id, id);

  CREATE TABLE deliveries (
    id          TEXT PRIMARY KEY,
    event       TEXT NOT NULL,
    received_at TEXT NOT NULL
  );
  `,
  // 2: what each stage produced: the plan, the verification, the evidence report, the
  // check conclusion (a run can succeed with unverified criteria: neutral), the live progress line.
  `
  ALTER TABLE runs ADD COLUMN plan TEXT;
  ALTER TABLE runs ADD COLUMN verification TEXT;
  ALTER TABLE runs ADD COLUMN report TEXT;
  ALTER TABLE runs ADD COLUMN brief_source TEXT;
  ALTER TABLE runs ADD COLUMN notes TEXT;
  ALTER TABLE runs ADD COLUMN conclusion TEXT;
  ALTER TABLE runs ADD COLUMN progress TEXT;
  ALTER TABLE runs ADD COLUMN turns INTEGER NOT NULL DEFAULT 0;
  `,
  // 3: users' saved preferences (per installation: one person may want different defaults
  // in different organizations), and what recovery, follow-ups, /cancel and /runs record on a run.
  `
  CREATE TABLE preferences (
    installation_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    user_login      TEXT    NOT NULL,
    agent           TEXT,
    branch          TEXT,
    model           TEXT,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (installation_id, user_id)
  );

  ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
  ALTER TABLE runs ADD COLUMN resume_count INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN follow_up_of INTEGER REFERENCES runs (id);
  ALTER TABLE runs ADD COLUMN cancelled_by TEXT;
  -- JSON: where each parameter came from (command, preferences, repository, default).
  ALTER TABLE runs ADD COLUMN parameter_sources TEXT;
  `,
  // 4: agent-provider API keys per installation, AES-256-GCM encrypted by the vault; the
  // installation and provider are bound as associated data, the key version says which master key.
  `
  CREATE TABLE secrets (
    installation_id INTEGER NOT NULL,
    provider        TEXT    NOT NULL,
    key_version     INTEGER NOT NULL,
    nonce           BLOB    NOT NULL,
    ciphertext      BLOB    NOT NULL,
    tag             BLOB    NOT NULL,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (installation_id, provider)
  );
  `,
  // 5: whether the run's agent reported its token usage: a command-line agent may not, and
  // its zeros are then unknown, not free. Earlier runs of those agents never did.
  `
  ALTER TABLE runs ADD COLUMN usage_reported INTEGER NOT NULL DEFAULT 1;
  UPDATE runs SET usage_reported = 0 WHERE json_extract(request, '$.agent') IN ('claude-code', 'codex', 'aider');
  `,
  // 6: the run's event log, as its executor reported it (redacted JSON, one row per event).
  // (run, attempt, seq) is unique, so a batch sent again after a lost answer is stored once;
  // the id orders rows as they were stored, for paging and live tailing.
  `
  CREATE TABLE run_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id  INTEGER NOT NULL REFERENCES runs (id),
    attempt INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    at      TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    data    TEXT    NOT NULL,
    UNIQUE (run_id, attempt, seq)
  );
  CREATE INDEX run_events_by_run ON run_events (run_id, id);
  `,
  // 7: run credentials: what a runner and the model gateway accept for one attempt of one run.
  // Only a hash of the secret is kept; an attempt's credential is revoked when the next one is issued.
  `
  CREATE TABLE run_credentials (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL REFERENCES runs (id),
    attempt     INTEGER NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    revoked_at  TEXT
  );
  CREATE INDEX run_credentials_by_run ON run_credentials (run_id);
  `,
  // 8: the GitHub Actions workflow run each attempt of an `executor: actions` run was dispatched
  // to, so that its webhooks find the run, a later attempt cancels an orphaned one, and the run links to it.
  `
  CREATE TABLE actions_dispatches (
    run_id          INTEGER NOT NULL REFERENCES runs (id),
    attempt         INTEGER NOT NULL,
    workflow_run_id INTEGER,
    html_url        TEXT,
    dispatched_at   TEXT    NOT NULL,
    PRIMARY KEY (run_id, attempt)
  );
  CREATE INDEX actions_dispatches_by_workflow_run ON actions_dispatches (workflow_run_id);
  `,
  // 9: the web console's sessions. The id is stored hashed; a row without a user is a sign-in in
  // progress (its OAuth state). The user's GitHub tokens stay here, never in the browser.
  `
  CREATE TABLE console_sessions (
    id_hash            TEXT PRIMARY KEY,
    csrf               TEXT    NOT NULL,
    user_id            INTEGER,
    user_login         TEXT,
    oauth_state        TEXT,
    next               TEXT,
    access_token       TEXT,
    token_expires_at   TEXT,
    refresh_token      TEXT,
    refresh_expires_at TEXT,
    created_at         TEXT    NOT NULL,
    expires_at         TEXT    NOT NULL
  );
  CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at);
  -- The console lists the newest runs of the repositories a user can reach.
  CREATE INDEX runs_by_repo ON runs (repo_id, id);
  `,
  // 10: an installation's own defaults for its runs (set by its admins in the console), between
  // the repository's .github/hamster.yml and the app's defaults; and who set each provider key
  // (a GitHub login from the console, "cli:<user>" from `hamster secrets set`; NULL before this).
  `
  CREATE TABLE installation_defaults (
    installation_id      INTEGER PRIMARY KEY,
    agent                TEXT,
    model                TEXT,
    executor             TEXT,
    budget_turns         INTEGER,
    budget_input_tokens  INTEGER,
    budget_output_tokens INTEGER,
    budget_cost_usd      REAL,
    budget_minutes       REAL,
    updated_at           TEXT    NOT NULL,
    updated_by           TEXT    NOT NULL
  );

  ALTER TABLE secrets ADD COLUMN updated_by TEXT;
  `,
  // 11: the diff of what a run pushed, against where its branch left the base branch, for the
  // console's diff viewer. One row per run, replaced at each push; a patch longer than the app
  // keeps is cut (truncated = 1) at a file's end.
  `
  CREATE TABLE run_diffs (
    run_id      INTEGER PRIMARY KEY REFERENCES runs (id),
    base_sha    TEXT    NOT NULL,
    head_sha    TEXT    NOT NULL,
    patch       TEXT    NOT NULL,
    files       INTEGER NOT NULL,
    truncated   INTEGER NOT NULL,
    recorded_at TEXT    NOT NULL
  );
  `,
  // 12: what reviews and failing checks on Hamster's pull requests started. The key makes each
  // review (its id) and each head commit's checks (its sha) start one follow-up at most, however
  // many webhooks say so; a CI row also keeps what it decided and how the checks failed, so
  // that attempts are counted and a fix that changed nothing is noticed. A CI failure that
  // arrived while a run was active waits in ci_waits for that run to end.
  `
  CREATE TABLE pull_request_triggers (
    repo_id    INTEGER NOT NULL,
    pr_number  INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    outcome    TEXT,
    signature  TEXT,
    run_id     INTEGER REFERENCES runs (id),
    created_at TEXT    NOT NULL,
    PRIMARY KEY (repo_id, pr_number, kind, key)
  );
  CREATE TABLE ci_waits (
    repo_id    INTEGER NOT NULL,
    pr_number  INTEGER NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (repo_id, pr_number)
  );
  `,
  // 13: briefs delivered with `/deliver all`: the brief, the request its tasks' runs start from,
  // how many run at once and whether they stack; each task with its issue, what it waits on, its
  // state and its latest run and pull request (its branch, and the one it targets now); and every run started for a task (its cost counts).
  // One active delivery per brief issue is an index, like one active run per task. And the
  // repository of a run's issue, when its code is in another one (`repo=`): a task is its
  // issue, so "one active run per task" counts by the repository from now on.
  `
  -- NULL: the code's repository (every run before this).
  ALTER TABLE runs ADD COLUMN issue_repo_id INTEGER;
  DROP INDEX runs_one_active_per_task;
  CREATE UNIQUE INDEX runs_one_active_per_task ON runs (COALESCE(issue_repo_id, repo_id), issue_number)
    WHERE state IN ('queued', 'preparing', 'planning', 'implementing', 'verifying', 'delivering');
  CREATE INDEX runs_by_issue ON runs (COALESCE(issue_repo_id, repo_id), issue_number);

  CREATE TABLE briefs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    installation_id INTEGER NOT NULL,
    repo_id         INTEGER NOT NULL,
    repo_owner      TEXT    NOT NULL,
    repo_name       TEXT    NOT NULL,
    issue_number    INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    trigger         TEXT    NOT NULL,
    requested_by    TEXT    NOT NULL,
    request         TEXT    NOT NULL,
    parallel        INTEGER NOT NULL,
    stack           INTEGER NOT NULL,
    plan_comment_id INTEGER,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
  );
  CREATE UNIQUE INDEX briefs_one_active_per_issue ON briefs (repo_id, issue_number) WHERE state = 'active';

  CREATE TABLE brief_tasks (
    brief_id     INTEGER NOT NULL REFERENCES briefs (id),
    task_id      TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    issue_owner  TEXT    NOT NULL,
    issue_repo   TEXT    NOT NULL,
    issue_number INTEGER NOT NULL,
    issue        TEXT    NOT NULL,
    blocked_by   TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    run_id       INTEGER REFERENCES runs (id),
    pr_repo_id   INTEGER,
    pr_number    INTEGER,
    work_branch  TEXT,
    base_branch  TEXT,
    note         TEXT,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (brief_id, task_id)
  );
  CREATE INDEX brief_tasks_by_pull ON brief_tasks (pr_repo_id, pr_number);
  CREATE INDEX brief_tasks_by_issue ON brief_tasks (issue_owner, issue_repo, issue_number);

  CREATE TABLE brief_runs (
    run_id   INTEGER PRIMARY KEY REFERENCES runs (id),
    brief_id INTEGER NOT NULL REFERENCES briefs (id),
    task_id  TEXT    NOT NULL
  );
  CREATE INDEX brief_runs_by_brief ON brief_runs (brief_id, task_id);
  `,
  // 14: a brief's task with its code in another repository (`repo: owner/name` in its issue)
  // keeps the request resolved for that repository (its config, branches, the sender's access).
  `
  -- NULL: the brief's request.
  ALTER TABLE brief_tasks ADD COLUMN request TEXT;
  `,
];
