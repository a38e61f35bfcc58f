"""What the database itself checks on every write, whoever sends it (SPEC §13; issue 31).

The CLI checks an entry against the plan before it files it (`ecotrack.filing`); on a server a clerk's
login can also send raw SQL, so the invariants a decision rests on are database rules too:

- an entry's period is a month of its plan year from the start month, not after the month it was
  reported; its value a number from 0 to `LARGEST_VALUE` (NaN and infinities refused), 0 or 1 for a
  milestone; its note free of control characters and within its length; and on PostgreSQL, its period not
  locked unless it is the office's 补报 (`catch_up` with a reason, which a clerk's trigger never lets
  it set), by the rule of `rules.period_locks` read from the lock table at the server's clock;
- an attachment's SHA-256 and size are those of its bytes, computed by the server;
- an attachment's name and a rectification report's text carry no control characters, and nobody
  answers an item the office has closed (销号 is final);
- on PostgreSQL every record's recording time and recorder are the server's clock and the database
  login (`session_user`), whatever the client sent.

SQLite has neither a SHA-256 function nor logins: there the checks that need neither apply, and
ecotrack verifies an attachment's bytes against its SHA-256 whenever it reuses or serves one.
The messages name the rule; `ecotrack.storage.db.describe_failure` passes them on to the user.
"""

from __future__ import annotations

from ecotrack.filing import ATTACHMENT_NAME_MAX_LENGTH, LARGEST_VALUE, MAX_ATTACHMENT_BYTES, NOTE_MAX_LENGTH

# the control characters `filing.check_text` refuses (a note may keep tabs and line breaks), as PostgreSQL
# regular expressions (NUL cannot be in a PostgreSQL text at all)
_CONTROL = r"[\x01-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_CONTROL_IN_NOTES = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"

# Each record's recording time and recorder: stamped by the server on PostgreSQL. These are the tables of
# migration 0009, which installs their stamps; a table added later stamps itself in its own migration
# (`stamp_trigger`), so that each migration keeps doing what it did.
STAMPED = {
    "entry": ("filed_at", "filed_by"),
    "import_batch": ("imported_at", "imported_by"),
    "review_decision": ("decided_at", "decided_by"),
    "period_lock": ("at", "by"),
    "notice": ("issued_at", "issued_by"),
    "notice_void": ("voided_at", "voided_by"),
    "rectification_report": ("filed_at", "filed_by"),
    "rectification_decision": ("decided_at", "decided_by"),
    "attachment": ("stored_at", "stored_by"),
    "score_adjustment": ("recorded_at", "recorded_by"),
    "score_void": ("voided_at", "voided_by"),
    "final_assessment": ("recorded_at", "recorded_by"),
}

_POSTGRES_STAMP = """
CREATE OR REPLACE FUNCTION ecotrack_stamp() RETURNS trigger AS $$
BEGIN
  -- TG_ARGV: the time column and the login column of the table
  NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[0], clock_timestamp(), TG_ARGV[1], session_user));
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""

# The first fault of the inserted entries, in words; the CASE reads the period's parts only once its
# shape is right. NaN is above every number in PostgreSQL, so the range refuses it with the infinities.
_POSTGRES_ENTRY_FAULT = f"""
SELECT CASE
  WHEN e.period !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$' THEN format('entry: period %L is not a month like 2014-03', e.period)
  WHEN substr(e.period, 1, 4)::int <> p.year
    THEN format('entry: period %s is not in the plan year %s', e.period, p.year)
  WHEN substr(e.period, 6, 2)::int < p.start_month
    THEN format('entry: period %s is before the plan''s first month (%s)', e.period, p.start_month)
  WHEN e.period > to_char(e.reported_on, 'YYYY-MM')
    THEN format('entry: period %s is after the month it was reported in (%s)', e.period, e.reported_on)
  WHEN e.reported_on <> e.reported_at::date
    THEN format('entry: reported_on %s is not the date of reported_at %s', e.reported_on, e.reported_at)
  WHEN NOT (e.value >= 0 AND e.value <= {LARGEST_VALUE:.0f})
    THEN format('entry: value %s is not a finite number from 0 to {LARGEST_VALUE:.0f}', e.value)
  WHEN t.type = 'milestone' AND e.value NOT IN (0, 1)
    THEN format('entry: target %s is a milestone: its value is 0 or 1, not %s', t.code, e.value)
  WHEN length(e.note) > {NOTE_MAX_LENGTH} THEN format('entry: the note is longer than {NOTE_MAX_LENGTH} characters')
  WHEN e.note ~ '{_CONTROL_IN_NOTES}' THEN 'entry: the note contains a control character, which is not allowed'
  END
FROM new_entries e
JOIN assignment a ON a.id = e.assignment_id
JOIN target t ON t.id = a.target_id
JOIN plan p ON p.id = t.plan_id
"""

# SPEC §9's locks as `rules.period_locks` and `rules.lock_in_force` decide them, at the server's clock: the
# period is locked when the last of its events is a lock, the lock it puts on itself `lock_after_days`
# after its report's due date (at the end of that day, local time) coming after an office's event of the
# same moment.
_LOCKED_PERIOD_OF = """
WITH periods AS (
  SELECT DISTINCT {plan_id}, e.period,
    CASE WHEN (p.review::json ->> 'lock_after_days') IS NOT NULL THEN
      ((CASE WHEN substr(e.period, 6, 2) = '12'
             THEN make_date(p.year + 1, 1, p.report_due_day)
             ELSE make_date(p.year, substr(e.period, 6, 2)::int + 1, p.report_due_day) END
        + (p.review::json ->> 'lock_after_days')::int + 1)::timestamp
       AT TIME ZONE current_setting('TimeZone'))
    END AS locks_itself
{source}  WHERE NOT (e.catch_up AND e.reason <> '')
), last_event AS (
  SELECT periods.*, l.locked, l.at
  FROM periods
  LEFT JOIN LATERAL (
    SELECT locked, at FROM period_lock
    WHERE period_lock.plan_id = periods.plan_id AND period_lock.period = periods.period
    ORDER BY at DESC, id DESC LIMIT 1
  ) l ON true
)
SELECT period FROM last_event
WHERE CASE WHEN locks_itself <= clock_timestamp() AND (at IS NULL OR at <= locks_itself) THEN true
           ELSE coalesce(locked, false) END
ORDER BY period
LIMIT 1
"""
_POSTGRES_LOCKED_PERIOD = _LOCKED_PERIOD_OF.format(
    plan_id="t.plan_id",
    source="""  FROM new_entries e
  JOIN assignment a ON a.id = e.assignment_id
  JOIN target t ON t.id = a.target_id
  JOIN plan p ON p.id = t.plan_id
""",
)

_POSTGRES_CHECK_ENTRIES = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_entries() RETURNS trigger
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  fault text;
  locked_period text;
BEGIN
  SELECT faults.fault INTO fault FROM ({_POSTGRES_ENTRY_FAULT}) faults (fault)
    WHERE faults.fault IS NOT NULL LIMIT 1;
  IF fault IS NOT NULL THEN
    RAISE EXCEPTION '%', fault USING ERRCODE = 'check_violation';
  END IF;
  {{locked}}
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_POSTGRES_LOCK_CHECK = f"""SELECT lp.period INTO locked_period FROM ({_POSTGRES_LOCKED_PERIOD}) lp;
  IF locked_period IS NOT NULL THEN
    RAISE EXCEPTION '% is locked: only the office files into it, as a catch-up report with a reason', locked_period
      USING ERRCODE = 'check_violation';
  END IF;"""

_POSTGRES_CHECK_ATTACHMENT = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_attachment() RETURNS trigger AS $$
BEGIN
  IF NEW.sha256 IS DISTINCT FROM encode(sha256(NEW.content), 'hex') THEN
    RAISE EXCEPTION 'attachment: % is not the SHA-256 of its bytes', NEW.sha256 USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.size IS DISTINCT FROM octet_length(NEW.content) THEN
    RAISE EXCEPTION 'attachment: its size % is not the size of its bytes (%)', NEW.size, octet_length(NEW.content)
      USING ERRCODE = 'check_violation';
  END IF;
  IF octet_length(NEW.content) > {MAX_ATTACHMENT_BYTES} THEN
    RAISE EXCEPTION 'attachment: % bytes; an attachment may be at most 20 MiB', octet_length(NEW.content)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""

_POSTGRES_CHECK_LINK = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_attachment_link() RETURNS trigger AS $$
BEGIN
  IF NEW.name ~ '{_CONTROL}' OR NEW.name = '' OR length(NEW.name) > {ATTACHMENT_NAME_MAX_LENGTH} THEN
    RAISE EXCEPTION 'attachment: the name % is empty, too long or contains a control character', quote_literal(NEW.name)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""

_POSTGRES_CHECK_REPORT = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_rectification_report() RETURNS trigger
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF NEW.text ~ '{_CONTROL_IN_NOTES}' OR length(NEW.text) > {NOTE_MAX_LENGTH} THEN
    RAISE EXCEPTION 'rectification report: the text is too long or contains a control character'
      USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM rectification_decision d WHERE d.notice_item_id = NEW.notice_item_id AND d.action = 'closed')
  THEN
    RAISE EXCEPTION 'rectification report: the item is closed (销号 is final)' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql
"""

# On SQLite a BEFORE INSERT trigger per rule, reading the plan through the entry's assignment.
_SQLITE_PLAN_OF_ENTRY = (
    "SELECT {column} FROM assignment a JOIN target t ON t.id = a.target_id JOIN plan p ON p.id = t.plan_id "
    "WHERE a.id = NEW.assignment_id"
)
_MONTHS = ", ".join(f"'{month:02d}'" for month in range(1, 13))
_SQLITE_TRIGGERS = {
    "entry_value_checked": (
        # NaN arrives as NULL and meets NOT NULL; the infinities are beyond the range
        f"NOT (NEW.value >= 0 AND NEW.value <= {LARGEST_VALUE:.0f})",
        f"entry: the value is not a finite number from 0 to {LARGEST_VALUE:.0f}",
    ),
    "entry_period_checked": (
        f"length(NEW.period) <> 7 OR substr(NEW.period, 5, 1) <> '-' OR substr(NEW.period, 6, 2) NOT IN ({_MONTHS}) "
        f"OR substr(NEW.period, 1, 4) IS NOT ({_SQLITE_PLAN_OF_ENTRY.format(column='CAST(p.year AS TEXT)')}) "
        f"OR CAST(substr(NEW.period, 6, 2) AS INTEGER) < ({_SQLITE_PLAN_OF_ENTRY.format(column='p.start_month')}) "
        "OR NEW.period > strftime('%Y-%m', NEW.reported_on)",
        "entry: the period is not a month of the plan year from its first month, up to the month reported",
    ),
    "entry_milestone_checked": (
        f"NEW.value NOT IN (0, 1) AND ({_SQLITE_PLAN_OF_ENTRY.format(column='t.type')}) = 'milestone'",
        "entry: a milestone takes the value 0 or 1",
    ),
}


# SPEC §15, §18: an appeal is filed against the latest publication of its year, on a day of its window
# (published_on .. window_closes inclusive). On PostgreSQL it is checked after the row is final, since a clerk's
# `filed_on` is the server's day (`roles.STAMP_FUNCTIONS`), set by a trigger that runs after a BEFORE check.
_APPEAL_OUT_OF_WINDOW = (
    "NOT EXISTS (SELECT 1 FROM publication p WHERE p.id = NEW.publication_id "
    "AND NEW.filed_on >= p.published_on AND NEW.filed_on <= p.window_closes "
    "AND NOT EXISTS (SELECT 1 FROM publication q WHERE q.plan_id = p.plan_id AND q.number > p.number))"
)
_APPEAL_MESSAGE = "appeal: not filed within the appeal window of the latest publication"
_POSTGRES_CHECK_APPEAL = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_appeal() RETURNS trigger
SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF {_APPEAL_OUT_OF_WINDOW} THEN
    RAISE EXCEPTION '{_APPEAL_MESSAGE}' USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.text ~ '{_CONTROL_IN_NOTES}' OR length(NEW.text) > {NOTE_MAX_LENGTH} OR NEW.text = '' THEN
    RAISE EXCEPTION 'appeal: the text is empty, too long or contains a control character'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def appeal_checks(dialect: str) -> list[str]:
    """The statements that check every appeal inserted (migration 0011)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER appeal_in_window BEFORE INSERT ON appeal WHEN {_APPEAL_OUT_OF_WINDOW} "
            f"BEGIN SELECT RAISE(ABORT, '{_APPEAL_MESSAGE}'); END"
        ]
    return [
        _POSTGRES_CHECK_APPEAL,
        "CREATE TRIGGER appeal_checked AFTER INSERT ON appeal FOR EACH ROW EXECUTE FUNCTION ecotrack_check_appeal()",
    ]


def appeal_unchecks(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return ["DROP TRIGGER appeal_in_window"]
    return ["DROP TRIGGER appeal_checked ON appeal", "DROP FUNCTION ecotrack_check_appeal()"]


def stamp_trigger(table: str, at: str, by: str) -> str:
    """The PostgreSQL trigger that stamps `table`'s recording time and recorder (`ecotrack_stamp`, from 0009)."""
    return (
        f'CREATE TRIGGER {table}_stamped BEFORE INSERT ON "{table}" FOR EACH ROW '
        f"EXECUTE FUNCTION ecotrack_stamp('{at}', '{by}')"
    )


def install(dialect: str) -> list[str]:
    """The statements that put the checks in place (run by the migration that brings them)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name} BEFORE INSERT ON entry WHEN {condition} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for name, (condition, message) in _SQLITE_TRIGGERS.items()
        ]
    statements = [_POSTGRES_STAMP]
    statements += [stamp_trigger(table, at, by) for table, (at, by) in STAMPED.items()]
    statements += [
        _POSTGRES_CHECK_ENTRIES.replace("{locked}", _POSTGRES_LOCK_CHECK),
        "CREATE TRIGGER entry_checked AFTER INSERT ON entry REFERENCING NEW TABLE AS new_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION ecotrack_check_entries()",
        _POSTGRES_CHECK_ATTACHMENT,
        "CREATE TRIGGER attachment_checked BEFORE INSERT ON attachment FOR EACH ROW "
        "EXECUTE FUNCTION ecotrack_check_attachment()",
        _POSTGRES_CHECK_LINK,
        "CREATE TRIGGER attachment_link_checked BEFORE INSERT ON attachment_link FOR EACH ROW "
        "EXECUTE FUNCTION ecotrack_check_attachment_link()",
        _POSTGRES_CHECK_REPORT,
        "CREATE TRIGGER rectification_report_checked BEFORE INSERT ON rectification_report FOR EACH ROW "
        "EXECUTE FUNCTION ecotrack_check_rectification_report()",
    ]
    return statements


def uninstall(dialect: str) -> list[str]:
    """The statements that undo `install` (for a downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER {name}" for name in _SQLITE_TRIGGERS]
    statements = [f'DROP TRIGGER {table}_stamped ON "{table}"' for table in STAMPED]
    statements += [
        "DROP TRIGGER entry_checked ON entry",
        "DROP TRIGGER attachment_checked ON attachment",
        "DROP TRIGGER attachment_link_checked ON attachment_link",
        "DROP TRIGGER rectification_report_checked ON rectification_report",
    ]
    for function in ("stamp", "check_entries", "check_attachment", "check_attachment_link",
                     "check_rectification_report"):  # fmt: skip
        statements.append(f"DROP FUNCTION ecotrack_{function}()")
    return statements


# SPEC §16: where the plan requires signatures, a notice's items count only once it is signed, so nobody
# answers an item of a notice still awaiting its signature (the CLI refuses it too).
_UNSIGNED_ITEM = (
    "SELECT 1 FROM notice_item i JOIN notice n ON n.id = i.notice_id JOIN plan p ON p.id = n.plan_id "
    "WHERE i.id = NEW.notice_item_id AND {required} "
    "AND NOT EXISTS (SELECT 1 FROM notice_signature s WHERE s.notice_id = n.id)"
)
_UNSIGNED_MESSAGE = "rectification report: its notice is not signed yet (notices.require_signature)"


def signed_item_check(dialect: str) -> list[str]:
    """The statements that refuse a rectification report on an item of a notice not yet signed where the plan
    requires signatures (migration 0010)."""
    if dialect == "sqlite":
        unsigned = _UNSIGNED_ITEM.format(required="json_extract(p.notices, '$.require_signature') = 1")
        return [
            "CREATE TRIGGER rectification_report_signed BEFORE INSERT ON rectification_report "
            f"WHEN EXISTS ({unsigned}) BEGIN SELECT RAISE(ABORT, '{_UNSIGNED_MESSAGE}'); END"
        ]
    unsigned = _UNSIGNED_ITEM.format(required="(p.notices::json ->> 'require_signature') = 'true'")
    return [
        f"""CREATE OR REPLACE FUNCTION ecotrack_check_signed_item() RETURNS trigger AS $$
BEGIN
  IF EXISTS ({unsigned}) THEN
    RAISE EXCEPTION '{_UNSIGNED_MESSAGE}' USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
        "CREATE TRIGGER rectification_report_signed BEFORE INSERT ON rectification_report "
        "FOR EACH ROW EXECUTE FUNCTION ecotrack_check_signed_item()",
    ]


def drop_signed_item_check(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return ["DROP TRIGGER rectification_report_signed"]
    return [
        "DROP TRIGGER rectification_report_signed ON rectification_report",
        "DROP FUNCTION ecotrack_check_signed_item()",
    ]


# SPEC §17, §18: a supporting unit's monthly note (migration 0013), checked whoever sends it: its period a month
# of the plan year from the start month and not after the month it was reported; a plan that takes notes
# (`plan.supporting_reports`); a unit that supports the target in that plan; a text, not empty, within its length
# and free of control characters; and on PostgreSQL its period not locked unless it is the office's 补报.
_NOTE_SUPPORTS = (
    "EXISTS (SELECT 1 FROM support s JOIN unit u ON u.id = s.unit_id JOIN target t ON t.id = s.target_id "
    "WHERE t.plan_id = {note}.plan_id AND u.code = {note}.unit AND t.code = {note}.target)"
)
_POSTGRES_NOTE_FAULT = f"""
SELECT CASE
  WHEN e.period !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])$'
    THEN format('support note: period %L is not a month like 2014-03', e.period)
  WHEN substr(e.period, 1, 4)::int <> p.year
    THEN format('support note: period %s is not in the plan year %s', e.period, p.year)
  WHEN substr(e.period, 6, 2)::int < p.start_month
    THEN format('support note: period %s is before the plan''s first month (%s)', e.period, p.start_month)
  WHEN e.period > to_char(e.reported_on, 'YYYY-MM')
    THEN format('support note: period %s is after the month it was reported in (%s)', e.period, e.reported_on)
  WHEN e.reported_on <> e.reported_at::date
    THEN format('support note: reported_on %s is not the date of reported_at %s', e.reported_on, e.reported_at)
  WHEN NOT p.supporting_reports
    THEN 'support note: the plan takes no supporting units'' notes (plan.supporting_reports)'
  WHEN NOT {_NOTE_SUPPORTS.format(note="e")}
    THEN format('support note: %s does not support target %s', e.unit, e.target)
  WHEN e.text = '' OR length(e.text) > {NOTE_MAX_LENGTH}
    THEN 'support note: the text is empty or longer than {NOTE_MAX_LENGTH} characters'
  WHEN e.text ~ '{_CONTROL_IN_NOTES}' THEN 'support note: the text contains a control character, which is not allowed'
  END
FROM new_notes e
JOIN plan p ON p.id = e.plan_id
"""
_POSTGRES_NOTE_LOCKED = _LOCKED_PERIOD_OF.format(
    plan_id="e.plan_id",
    source="""  FROM new_notes e
  JOIN plan p ON p.id = e.plan_id
""",
)
_POSTGRES_CHECK_NOTES = f"""
CREATE OR REPLACE FUNCTION ecotrack_check_support_notes() RETURNS trigger
SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  fault text;
  locked_period text;
BEGIN
  SELECT faults.fault INTO fault FROM ({_POSTGRES_NOTE_FAULT}) faults (fault)
    WHERE faults.fault IS NOT NULL LIMIT 1;
  IF fault IS NOT NULL THEN
    RAISE EXCEPTION '%', fault USING ERRCODE = 'check_violation';
  END IF;
  SELECT lp.period INTO locked_period FROM ({_POSTGRES_NOTE_LOCKED}) lp;
  IF locked_period IS NOT NULL THEN
    RAISE EXCEPTION '% is locked: only the office files into it, as a catch-up report with a reason', locked_period
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""
_SQLITE_PLAN_OF_NOTE = "SELECT {column} FROM plan p WHERE p.id = NEW.plan_id"
_SQLITE_NOTE_TRIGGERS = {
    "support_note_period_checked": (
        f"length(NEW.period) <> 7 OR substr(NEW.period, 5, 1) <> '-' OR substr(NEW.period, 6, 2) NOT IN ({_MONTHS}) "
        f"OR substr(NEW.period, 1, 4) IS NOT ({_SQLITE_PLAN_OF_NOTE.format(column='CAST(p.year AS TEXT)')}) "
        f"OR CAST(substr(NEW.period, 6, 2) AS INTEGER) < ({_SQLITE_PLAN_OF_NOTE.format(column='p.start_month')}) "
        "OR NEW.period > strftime('%Y-%m', NEW.reported_on)",
        "support note: the period is not a month of the plan year from its first month, up to the month reported",
    ),
    "support_note_supported": (
        f"NOT ({_SQLITE_PLAN_OF_NOTE.format(column='p.supporting_reports')}) "
        f"OR NOT {_NOTE_SUPPORTS.format(note='NEW')}",
        "support note: the plan takes no notes (plan.supporting_reports), or the unit does not support the target",
    ),
    "support_note_text_checked": (
        f"NEW.text = '' OR length(NEW.text) > {NOTE_MAX_LENGTH}",
        f"support note: the text is empty or longer than {NOTE_MAX_LENGTH} characters",
    ),
}


def note_checks(dialect: str) -> list[str]:
    """The statements that check every supporting unit's note inserted (migration 0013)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {name} BEFORE INSERT ON support_note WHEN {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for name, (condition, message) in _SQLITE_NOTE_TRIGGERS.items()
        ]
    return [
        _POSTGRES_CHECK_NOTES,
        "CREATE TRIGGER support_note_checked AFTER INSERT ON support_note REFERENCING NEW TABLE AS new_notes "
        "FOR EACH STATEMENT EXECUTE FUNCTION ecotrack_check_support_notes()",
    ]


def note_unchecks(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [f"DROP TRIGGER {name}" for name in _SQLITE_NOTE_TRIGGERS]
    return ["DROP TRIGGER support_note_checked ON support_note", "DROP FUNCTION ecotrack_check_support_notes()"]
