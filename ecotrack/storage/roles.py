"""Roles the PostgreSQL server enforces (SPEC §13): office, auditor and clerk, with row-level security.

`install` (run by the database's owner, again after every upgrade) creates the group roles, grants each
what it may do and no more, turns on row-level security and installs a trigger that stamps a clerk's
entry with the login and the server's clock. `grant_clerk` makes a login the clerk of one unit. The
server refuses everything else, raw SQL from a clerk's own login included.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

OFFICE, AUDITOR, CLERK = "ecotrack_office", "ecotrack_auditor", "ecotrack_clerk"
CLERK_UNITS = "ecotrack_clerk_unit"  # login -> the unit codes it files for

# What a unit's clerk may read of the records with a unit: its own rows (row-level security).
OWN_ASSIGNMENTS = (
    "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id "
    f"JOIN {CLERK_UNITS} c ON c.unit_code = u.code WHERE c.login = session_user"
)
OWN_UNITS = f"SELECT u.id FROM unit u JOIN {CLERK_UNITS} c ON c.unit_code = u.code WHERE c.login = session_user"
CLERK_ROWS = {
    "entry": f"assignment_id IN ({OWN_ASSIGNMENTS})",
    "review_decision": "entry_id IN (SELECT id FROM entry)",
    "notice_item": f"unit_id IN ({OWN_UNITS})",
    "notice": "id IN (SELECT notice_id FROM notice_item)",
    "notice_void": "notice_id IN (SELECT id FROM notice)",
    "rectification_report": "notice_item_id IN (SELECT id FROM notice_item)",
    "rectification_decision": "notice_item_id IN (SELECT id FROM notice_item)",
    "attachment_link": "entry_id IN (SELECT id FROM entry) OR report_id IN (SELECT id FROM rectification_report)",
    "attachment": "true",  # a file is found by its SHA-256 only, which nobody guesses
    "import_batch": "imported_by = session_user",
    "score_adjustment": f"unit_id IN ({OWN_UNITS})",
    "score_void": "adjustment_id IN (SELECT id FROM score_adjustment)",
}
# What a clerk may add: its unit's entries (and the import batches that file them), rectification reports
# on its unit's notice items, and the files attached to them.
CLERK_INSERTS = ("entry", "import_batch", "rectification_report", "attachment", "attachment_link")
# Records the office keeps up to date with the plan file (`plan load`): every other table is append-only.
PLAN_TABLES = ("plan", "unit", "task", "target", "assignment", "support")

STAMP_FUNCTIONS = {
    "entry": (
        "ecotrack_stamp_entry",
        f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_entry() RETURNS trigger AS $$
BEGIN
  NEW.filed_by := session_user;
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    -- a clerk reports now, under its own name, and its entry waits for review where the plan requires it
    NEW.reported_by := session_user;
    NEW.reported_at := localtimestamp(0);
    NEW.reported_on := current_date;
    NEW.catch_up := false;
    NEW.submitted := COALESCE((
      SELECT (p.review::json ->> 'required')::boolean
      FROM assignment a JOIN target t ON t.id = a.target_id JOIN plan p ON p.id = t.plan_id
      WHERE a.id = NEW.assignment_id), false);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
    "import_batch": (
        "ecotrack_stamp_import",
        """
CREATE OR REPLACE FUNCTION ecotrack_stamp_import() RETURNS trigger AS $$
BEGIN
  NEW.imported_by := session_user;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
    "rectification_report": (
        "ecotrack_stamp_report",
        f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_report() RETURNS trigger AS $$
BEGIN
  NEW.filed_by := session_user;
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.reported_by := session_user;
    NEW.reported_on := current_date;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
}


def install(connection: Connection) -> list[str]:
    """Create or bring up to date the roles, grants, policies and trigger; give back the tables covered."""
    for role in (OFFICE, AUDITOR, CLERK):
        connection.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :role) THEN "
                f"CREATE ROLE {role} NOLOGIN; END IF; END $$".replace(":role", f"'{role}'")
            )
        )
    connection.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {CLERK_UNITS} (login name NOT NULL, unit_code text NOT NULL, "
            "PRIMARY KEY (login, unit_code))"
        )
    )
    tables = [
        row[0]
        for row in connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        )
    ]
    roles = f"{OFFICE}, {AUDITOR}, {CLERK}"
    connection.execute(text(f"GRANT USAGE ON SCHEMA {_schema(connection)} TO {roles}"))
    for table in tables:
        connection.execute(text(f'REVOKE ALL ON "{table}" FROM {roles}'))
        connection.execute(text(f'GRANT SELECT ON "{table}" TO {OFFICE}, {AUDITOR}'))
        if table in PLAN_TABLES or table in ("alembic_version", "period_lock"):  # locks bind clerks too
            connection.execute(text(f'GRANT SELECT ON "{table}" TO {CLERK}'))
        if table in PLAN_TABLES:
            connection.execute(text(f'GRANT INSERT, UPDATE, DELETE ON "{table}" TO {OFFICE}'))
        elif table not in ("alembic_version", CLERK_UNITS):
            connection.execute(text(f'GRANT INSERT ON "{table}" TO {OFFICE}'))
    connection.execute(text(f"GRANT SELECT ON {CLERK_UNITS} TO {roles}"))
    connection.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {_schema(connection)} TO {OFFICE}, {CLERK}"))
    for table, own_rows in CLERK_ROWS.items():
        if table not in tables:
            continue
        connection.execute(text(f'GRANT SELECT ON "{table}" TO {CLERK}'))
        if table in CLERK_INSERTS:
            connection.execute(text(f'GRANT INSERT ON "{table}" TO {CLERK}'))
        connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))
        for policy in ("ecotrack_everything", "ecotrack_own_unit", "ecotrack_own_insert"):
            connection.execute(text(f'DROP POLICY IF EXISTS {policy} ON "{table}"'))
        connection.execute(
            text(
                f'CREATE POLICY ecotrack_everything ON "{table}" TO {OFFICE}, {AUDITOR} USING (true) WITH CHECK (true)'
            )
        )
        connection.execute(
            text(f'CREATE POLICY ecotrack_own_unit ON "{table}" FOR SELECT TO {CLERK} USING ({own_rows})')
        )
        if table in CLERK_INSERTS:
            check = "true" if table == "attachment" else own_rows
            connection.execute(
                text(f'CREATE POLICY ecotrack_own_insert ON "{table}" FOR INSERT TO {CLERK} WITH CHECK ({check})')
            )
    # who filed, and for a clerk when and under what name, are the server's to say
    for table, (function, definition) in STAMP_FUNCTIONS.items():
        connection.execute(text(definition))
        connection.execute(text(f'DROP TRIGGER IF EXISTS {function} ON "{table}"'))
        connection.execute(
            text(f'CREATE TRIGGER {function} BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE FUNCTION {function}()')
        )
    return tables


def _schema(connection: Connection) -> str:
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    return f'"{schema}"'


def grant_clerk(connection: Connection, login: str, unit: str, *, revoke: bool = False) -> None:
    """Make `login` (created when missing, without a password) the clerk of `unit`, or take that away."""
    quoted = connection.execute(text("SELECT quote_ident(:login)"), {"login": login}).scalar_one()
    if revoke:
        connection.execute(
            text(f"DELETE FROM {CLERK_UNITS} WHERE login = :login AND unit_code = :unit"),
            {"login": login, "unit": unit},
        )
        remaining = connection.execute(
            text(f"SELECT count(*) FROM {CLERK_UNITS} WHERE login = :login"), {"login": login}
        ).scalar_one()
        if not remaining:
            connection.execute(text(f"REVOKE {CLERK} FROM {quoted}"))
        return
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :login"), {"login": login}).first()
    if exists is None:
        connection.execute(text(f"CREATE ROLE {quoted} LOGIN"))
    connection.execute(text(f"GRANT {CLERK} TO {quoted}"))
    connection.execute(
        text(f"INSERT INTO {CLERK_UNITS} (login, unit_code) VALUES (:login, :unit) ON CONFLICT DO NOTHING"),
        {"login": login, "unit": unit},
    )


def grant_role(connection: Connection, login: str, role: str) -> None:
    """Make `login` (created when missing) a member of the office or auditor group."""
    quoted = connection.execute(text("SELECT quote_ident(:login)"), {"login": login}).scalar_one()
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :login"), {"login": login}).first()
    if exists is None:
        connection.execute(text(f"CREATE ROLE {quoted} LOGIN"))
    connection.execute(text(f"GRANT {role} TO {quoted}"))


@dataclass(frozen=True)
class Login:
    """Who the connection is, as the server's roles say: None for a database without ecotrack's roles."""

    name: str
    role: str | None  # office, auditor, clerk, or None (the owner, or roles not installed)
    units: tuple[str, ...]  # a clerk's units


def who(connection: Connection) -> Login:
    name = connection.execute(text("SELECT session_user")).scalar_one()
    installed = connection.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": CLERK_UNITS}).scalar_one()
    if not installed:
        return Login(name, None, ())
    member = {
        role: connection.execute(text("SELECT pg_has_role(session_user, :r, 'MEMBER')"), {"r": role}).scalar_one()
        for role in (OFFICE, AUDITOR, CLERK)
        if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    }
    owner = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")).scalar_one()
    if owner or member.get(OFFICE):
        return Login(name, "office" if member.get(OFFICE) and not owner else None, ())
    if member.get(CLERK):
        units = tuple(
            row[0]
            for row in connection.execute(
                text(f"SELECT unit_code FROM {CLERK_UNITS} WHERE login = session_user ORDER BY unit_code")
            )
        )
        return Login(name, "clerk", units)
    if member.get(AUDITOR):
        return Login(name, "auditor", ())
    return Login(name, None, ())
