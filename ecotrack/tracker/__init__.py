"""An open database and one plan year: what every command but `init` and `plan check` works on.

This is the one seam between the CLI (or a notebook) and the layers below: it opens engines, picks the
plan year, gathers storage's records, hands them to the rules, and gives back typed results
(`ecotrack.results`). It holds no rule of its own, and words what storage reports as data (a sync that
would lose filed data, a damaged copy). `Tracker` is one facade over its jobs, one module each: filing
and review (`filing`), the monthly meeting (`meeting`), the year end (`yearend`), on a shared base
(`base`); setting up and looking after a database is `admin`, and reading what a user types is `inputs`.
"""

from __future__ import annotations

from ecotrack.rules import Evaluation as Evaluation  # the CLI reads evaluations through the tracker
from ecotrack.tracker.admin import (
    backup_database,
    check_plan_file,
    describe_database_failure,
    initialise,
    install_roles,
    kept_amendments,
    load_plan_file,
    reload_plan,
    revoke_login,
    role_holders,
    set_login_role,
)
from ecotrack.tracker.base import account, not_allowed, utc_now
from ecotrack.tracker.filing import FilingDesk
from ecotrack.tracker.meeting import MeetingDesk
from ecotrack.tracker.requests import RequestDesk
from ecotrack.tracker.yearend import YearEndDesk

__all__ = [
    "Evaluation",
    "Tracker",
    "account",
    "backup_database",
    "check_plan_file",
    "describe_database_failure",
    "initialise",
    "install_roles",
    "kept_amendments",
    "load_plan_file",
    "not_allowed",
    "reload_plan",
    "revoke_login",
    "role_holders",
    "set_login_role",
    "utc_now",
]


class Tracker(FilingDesk, MeetingDesk, YearEndDesk, RequestDesk):
    """A database opened for one plan year, with every job the commands ask of it."""
