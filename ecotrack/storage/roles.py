"""Roles the PostgreSQL server enforces (SPEC §13): office, auditor and clerk, with row-level security.

`install` (run by the database's owner, again after every upgrade) creates the group roles, grants each
what it may do and no more, turns on row-level security for reads and writes and installs the triggers
that stamp a clerk's entries and reports with its login and the server's clock. `set_role` gives a login
exactly one role (and a clerk exactly one unit), taking away any other; `revoke` takes it away. The server
refuses everything else, raw SQL from a clerk's own login included; what it checks of every row, whoever
sends it, is `ecotrack.storage.checks` (installed by the migrations).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, text

from ecotrack.results import Installed, RoleHolder

OFFICE, AUDITOR, CLERK = "ecotrack_office", "ecotrack_auditor", "ecotrack_clerk"
GROUPS = {"office": OFFICE, "auditor": AUDITOR, "clerk": CLERK}
CLERK_UNITS = "ecotrack_clerk_unit"  # login -> the one unit it files for

# What a unit's clerk may read of the records with a unit: its own rows (row-level security).
OWN_ASSIGNMENTS = (
    "SELECT a.id FROM assignment a JOIN unit u ON u.id = a.unit_id "
    f"JOIN {CLERK_UNITS} c ON c.unit_code = u.code WHERE c.login = session_user"
)
OWN_UNITS = f"SELECT u.id FROM unit u JOIN {CLERK_UNITS} c ON c.unit_code = u.code WHERE c.login = session_user"
OWN_LINKS = (
    "entry_id IN (SELECT id FROM entry) OR report_id IN (SELECT id FROM rectification_report) "
    "OR appeal_id IN (SELECT id FROM appeal) OR request_id IN (SELECT id FROM request)"
)
CLERK_ROWS = {
    "entry": f"assignment_id IN ({OWN_ASSIGNMENTS})",
    "review_decision": "entry_id IN (SELECT id FROM entry)",
    "notice_item": f"unit_id IN ({OWN_UNITS})",
    "notice": "true",  # a notice is circulated to every member unit
    "notice_void": "true",
    "notice_signature": "true",
    "rectification_report": "notice_item_id IN (SELECT id FROM notice_item)",
    "rectification_decision": "notice_item_id IN (SELECT id FROM notice_item)",
    "attachment_link": OWN_LINKS,
    # the files it stored, and those attached to its own unit's records; never another unit's evidence
    "attachment": "stored_by = session_user OR id IN (SELECT ecotrack_readable_attachments())",
    "import_batch": "imported_by = session_user",
    "score_adjustment": f"unit_id IN ({OWN_UNITS})",
    "score_void": "adjustment_id IN (SELECT id FROM score_adjustment)",
    "publication": "true",  # a publication (公示) is published to every unit
    "appeal": f"unit_id IN ({OWN_UNITS})",  # its own unit's appeals only (SPEC §15)
    "appeal_decision": "appeal_id IN (SELECT id FROM appeal)",
    # its own unit's requests (延期, 调整, 免责) and the decisions on them only (SPEC §17)
    "request": f"unit IN (SELECT c.unit_code FROM {CLERK_UNITS} c WHERE c.login = session_user)",
    "request_decision": "request_id IN (SELECT id FROM request)",
    # the assigned matters its unit has an item of (the items' own policy limits the subquery, SPEC §17)
    "matter": "id IN (SELECT matter_id FROM notice_item)",
    # SPEC §17: the notes its unit files as a supporting unit, and those on the targets its unit leads (the lead
    # unit sees what its supporting units say); never another unit's notes on targets it has no part in
    "support_note": f"unit IN (SELECT c.unit_code FROM {CLERK_UNITS} c WHERE c.login = session_user) "
    f"OR (plan_id, target) IN (SELECT t.plan_id, t.code FROM target t JOIN assignment a ON a.target_id = t.id "
    f"WHERE a.id IN ({OWN_ASSIGNMENTS}))",
    CLERK_UNITS: "login = session_user",  # who the other clerks are is not a clerk's to read
}
# What a clerk may add: its unit's entries (in its own import batches), rectification reports on its unit's
# notice items, and the files attached to them (only files it may read: it cannot link its way into another
# unit's evidence).
CLERK_INSERTS = {
    "entry": f"({CLERK_ROWS['entry']}) AND (batch_id IS NULL OR batch_id IN (SELECT id FROM import_batch))",
    "import_batch": "imported_by = session_user",
    "rectification_report": CLERK_ROWS["rectification_report"],
    "attachment": "stored_by = session_user",
    "attachment_link": f"({OWN_LINKS}) AND attachment_id IN (SELECT ecotrack_readable_attachments())",
    "appeal": CLERK_ROWS["appeal"],
    "request": CLERK_ROWS["request"],
    # its own unit's notes only (the database checks that the unit supports the target), in its own batches
    "support_note": f"unit IN (SELECT c.unit_code FROM {CLERK_UNITS} c WHERE c.login = session_user) "
    "AND (batch_id IS NULL OR batch_id IN (SELECT id FROM import_batch))",
}
# The files a clerk may read and attach again, as one function: the policies of attachment and attachment_link
# may not read each other (PostgreSQL refuses a cycle of policies), so this reads both as their owner, for the
# unit of `session_user` only.
READABLE_ATTACHMENTS = f"""
CREATE OR REPLACE FUNCTION ecotrack_readable_attachments() RETURNS SETOF integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT id FROM attachment WHERE stored_by = session_user
  UNION
  SELECT l.attachment_id FROM attachment_link l
  LEFT JOIN entry e ON e.id = l.entry_id
  LEFT JOIN rectification_report r ON r.id = l.report_id
  LEFT JOIN notice_item i ON i.id = r.notice_item_id
  LEFT JOIN appeal a ON a.id = l.appeal_id
  LEFT JOIN request q ON q.id = l.request_id
  WHERE e.assignment_id IN ({OWN_ASSIGNMENTS}) OR i.unit_id IN ({OWN_UNITS}) OR a.unit_id IN ({OWN_UNITS})
    OR q.unit IN (SELECT c.unit_code FROM {CLERK_UNITS} c WHERE c.login = session_user)
$$
"""
# Records the office keeps up to date with the plan file (`plan load`): every other table is append-only.
PLAN_TABLES = ("plan", "unit", "task", "target", "assignment", "support")

# A clerk reports now, under its own name; its entry waits for review where the plan requires it, and is
# never a 补报. (Who filed and when, for every login, is `checks.STAMPED`.)
STAMP_FUNCTIONS = {
    "entry": (
        "ecotrack_stamp_entry",
        f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_entry() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.reported_by := session_user;
    NEW.reported_at := localtimestamp(0);
    NEW.reported_on := current_date;
    NEW.catch_up := false;
    NEW.reason := '';
    NEW.submitted := COALESCE((
      SELECT (p.review::json ->> 'required')::boolean
      FROM assignment a JOIN target t ON t.id = a.target_id JOIN plan p ON p.id = t.plan_id
      WHERE a.id = NEW.assignment_id), false);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
    "rectification_report": (
        "ecotrack_stamp_report",
        f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_report() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.reported_by := session_user;
    NEW.reported_on := current_date;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
    "appeal": (
        "ecotrack_stamp_appeal",
        f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_appeal() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.filed_on := current_date;  -- only the office dates an act after the fact (SPEC §18)
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
    ),
}
STAMP_FUNCTIONS["request"] = (
    "ecotrack_stamp_request",
    f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_request() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.requested_on := current_date;  -- only the office dates an act after the fact (SPEC §18)
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
)
STAMP_FUNCTIONS["support_note"] = (
    "ecotrack_stamp_support_note",
    f"""
CREATE OR REPLACE FUNCTION ecotrack_stamp_support_note() RETURNS trigger AS $$
BEGIN
  IF pg_has_role(session_user, '{CLERK}', 'MEMBER') AND NOT pg_has_role(session_user, '{OFFICE}', 'MEMBER') THEN
    NEW.reported_by := session_user;  -- a clerk notes now, under its own name: it cannot backdate (SPEC §13)
    NEW.reported_at := localtimestamp(0);
    NEW.reported_on := current_date;
    NEW.catch_up := false;
    NEW.reason := '';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
""",
)
RETIRED_STAMPS = {"import_batch": "ecotrack_stamp_import"}  # now `checks.STAMPED`'s for every login


def install(connection: Connection) -> Installed:
    """Create or bring up to date the roles, grants, policies and triggers."""
    for role in GROUPS.values():
        connection.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :role) THEN "
                f"CREATE ROLE {role} NOLOGIN; END IF; END $$".replace(":role", f"'{role}'")
            )
        )
    several = _one_unit_per_login(connection)
    tables = [
        row[0]
        for row in connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        )
    ]
    roles = ", ".join(GROUPS.values())
    connection.execute(text(READABLE_ATTACHMENTS))
    connection.execute(text("REVOKE ALL ON FUNCTION ecotrack_readable_attachments() FROM PUBLIC"))
    connection.execute(text(f"GRANT EXECUTE ON FUNCTION ecotrack_readable_attachments() TO {CLERK}"))
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
            connection.execute(
                text(
                    f'CREATE POLICY ecotrack_own_insert ON "{table}" FOR INSERT TO {CLERK} '
                    f"WITH CHECK ({CLERK_INSERTS[table]})"
                )
            )
    for table, function in RETIRED_STAMPS.items():
        connection.execute(text(f'DROP TRIGGER IF EXISTS {function} ON "{table}"'))
        connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))
    for table, (function, definition) in STAMP_FUNCTIONS.items():
        connection.execute(text(definition))
        connection.execute(text(f'DROP TRIGGER IF EXISTS {function} ON "{table}"'))
        connection.execute(
            text(f'CREATE TRIGGER {function} BEFORE INSERT ON "{table}" FOR EACH ROW EXECUTE FUNCTION {function}()')
        )
    return Installed(tables, several)


def install_once(connection: Connection) -> None:
    """`install`, unless this database has ecotrack's roles and rules already (`db roles` brings them up to date
    after an upgrade): a role command needs them, and need not redo them."""
    installed = connection.execute(
        text("SELECT to_regclass(:table) IS NOT NULL AND EXISTS (SELECT FROM pg_policies WHERE tablename = 'entry')"),
        {"table": CLERK_UNITS},
    ).scalar_one()
    if not installed or not all(
        connection.execute(text("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :r)"), {"r": group}).scalar_one()
        for group in GROUPS.values()
    ):
        install(connection)


def _one_unit_per_login(connection: Connection) -> dict[str, list[str]]:
    """Create the login -> unit table keyed by the login alone; bring one made by an earlier ecotrack (keyed
    by login and unit) to that key when no login holds two units. Give back those that still do."""
    connection.execute(
        text(
            f"CREATE TABLE IF NOT EXISTS {CLERK_UNITS} "
            "(login name NOT NULL, unit_code text NOT NULL, PRIMARY KEY (login))"
        )
    )
    several: dict[str, list[str]] = {}
    for login, unit in connection.execute(
        text(
            f"SELECT login, unit_code FROM {CLERK_UNITS} WHERE login IN "
            f"(SELECT login FROM {CLERK_UNITS} GROUP BY login HAVING count(*) > 1) ORDER BY login, unit_code"
        )
    ):
        several.setdefault(str(login), []).append(str(unit))
    key_columns = connection.execute(
        text(
            "SELECT array_length(conkey, 1) FROM pg_constraint WHERE conrelid = to_regclass(:table) AND contype = 'p'"
        ),
        {"table": CLERK_UNITS},
    ).scalar_one()
    if key_columns != 1 and not several:
        name = connection.execute(
            text("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(:table) AND contype = 'p'"),
            {"table": CLERK_UNITS},
        ).scalar_one()
        connection.execute(text(f'ALTER TABLE {CLERK_UNITS} DROP CONSTRAINT "{name}", ADD PRIMARY KEY (login)'))
    return several


def _schema(connection: Connection) -> str:
    schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    return f'"{schema}"'


class RoleRefused(Exception):
    """A login the server cannot hold to an ecotrack role, or that keeps another role through a third."""

    def __init__(self, login: str, why: str, through: str = "") -> None:
        super().__init__(login, why)
        self.login, self.why, self.through = login, why, through  # why: superuser | owner | unknown | inherited


def set_role(connection: Connection, login: str, role: str, unit: str | None = None) -> None:
    """Give `login` (created when missing, without a password) exactly `role`, and a clerk exactly `unit`:
    any other ecotrack role and any earlier unit are taken away."""
    quoted = _refuse_unholdable(connection, login, create=True)
    for other in GROUPS.values():
        if other != GROUPS[role]:
            connection.execute(text(f"REVOKE {other} FROM {quoted}"))
    connection.execute(text(f"GRANT {GROUPS[role]} TO {quoted}"))
    connection.execute(text(f"DELETE FROM {CLERK_UNITS} WHERE login = :login"), {"login": login})
    if role == "clerk":
        assert unit is not None
        connection.execute(
            text(f"INSERT INTO {CLERK_UNITS} (login, unit_code) VALUES (:login, :unit)"), {"login": login, "unit": unit}
        )
    _refuse_inherited(connection, login, keep=GROUPS[role])


def revoke(connection: Connection, login: str) -> None:
    """Take every ecotrack role and unit away from `login` (the login itself stays: it may serve elsewhere)."""
    quoted = _refuse_unholdable(connection, login, create=False)
    for group in GROUPS.values():
        connection.execute(text(f"REVOKE {group} FROM {quoted}"))
    connection.execute(text(f"DELETE FROM {CLERK_UNITS} WHERE login = :login"), {"login": login})
    _refuse_inherited(connection, login, keep=None)


def _refuse_unholdable(connection: Connection, login: str, *, create: bool) -> str:
    """The login, quoted; refused when the server would not hold it to a role (a superuser, or the owner of
    ecotrack's tables, whom row-level security does not bind), or, unless `create`, when it does not exist."""
    quoted = str(connection.execute(text("SELECT quote_ident(:login)"), {"login": login}).scalar_one())
    found = connection.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :login"), {"login": login}).first()
    if found is None:
        if not create:
            raise RoleRefused(login, "unknown")
        connection.execute(text(f"CREATE ROLE {quoted} LOGIN"))
        return quoted
    if found[0]:
        raise RoleRefused(login, "superuser")
    owner = connection.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'entry' LIMIT 1")).scalar()
    if owner == login:
        raise RoleRefused(login, "owner")
    return quoted


def _refuse_inherited(connection: Connection, login: str, *, keep: str | None) -> None:
    """Refuse (the transaction is rolled back) when the login is still a member of another ecotrack group
    through some third role that only the server's administrator can change."""
    for group in GROUPS.values():
        if group == keep:
            continue
        member = connection.execute(
            text("SELECT pg_has_role(:login, :group, 'MEMBER')"), {"login": login, "group": group}
        ).scalar_one()
        if member:
            raise RoleRefused(login, "inherited", group)


def holders(connection: Connection) -> list[RoleHolder]:
    """Every login given an ecotrack role, by name (`db logins`)."""
    names = {group: role for role, group in GROUPS.items()}
    found: dict[str, list[str]] = {}
    for member, group in connection.execute(
        text(
            "SELECT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
            "JOIN pg_roles g ON g.oid = a.roleid WHERE g.rolname IN :groups ORDER BY m.rolname, g.rolname"
        ).bindparams(bindparam("groups", expanding=True)),
        {"groups": list(GROUPS.values())},
    ):
        found.setdefault(str(member), []).append(names[str(group)])
    units: dict[str, list[str]] = {}
    if connection.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": CLERK_UNITS}).scalar_one():
        for login, unit in connection.execute(text(f"SELECT login, unit_code FROM {CLERK_UNITS} ORDER BY unit_code")):
            units.setdefault(str(login), []).append(str(unit))
    order = list(GROUPS)
    return [
        RoleHolder(login, tuple(sorted(roles, key=order.index)), tuple(units.get(login, ())))
        for login, roles in sorted(found.items())
    ]


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
