"""The `ecotrack` command: global options, the command groups, and the one error boundary.

Heavy libraries (SQLAlchemy, SQLModel, Alembic, openpyxl) are imported inside the commands that
need them, and a command's options are built from its annotations only when that command is run or
its help is shown, so that `--help` and shell completion stay instant. Help is Click's plain text
(`rich_markup_mode=None`): Typer's Rich help would import rich.markdown and markdown-it (~0.1 s).
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from typer import _click as click
from typer.core import TyperGroup
from typer.models import CommandInfo, DefaultPlaceholder, TyperInfo

from ecotrack import __version__
from ecotrack.cli import complete
from ecotrack.cli.lazy import render
from ecotrack.config import DEFAULT_DB, DEFAULT_PLAN, Origin, Settings
from ecotrack.errors import EcotrackError, ExitCode
from ecotrack.i18n import N_, detect_language, set_language, t

# Where the commands are registered (by each CLI module's `register`); the root group builds each from
# here the first time it is asked for (LazyCommands), never all of them for one command line.
commands = typer.Typer()


class LazyCommands(MutableMapping[str, click.Command]):
    """The commands of the root group, each built from its registration in `commands` on first use."""

    def __init__(self, registry: typer.Typer) -> None:
        self._registered: dict[str, CommandInfo | TyperInfo] = {}
        for info in registry.registered_commands:
            assert info.callback is not None
            self._registered[info.name or typer.main.get_command_name(info.callback.__name__)] = info
        for group in registry.registered_groups:
            assert isinstance(group.name, str)
            self._registered[group.name] = group
        self._built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            self._built[name] = _build(name, self._registered[name])
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        self._built.pop(name, None)
        self._registered.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter({**self._registered, **self._built})

    def __len__(self) -> int:
        return len({**self._registered, **self._built})

    def built(self) -> dict[str, click.Command]:
        """The commands built so far (translating help must not build the others)."""
        return dict(self._built)

    def summary(self, name: str) -> tuple[str, str | None]:
        """A command's help and help panel as registered (English), without building it."""
        if name in self._built or name not in self._registered:
            command = self[name]
            return command.help or "", getattr(command, "rich_help_panel", None)
        info = self._registered[name]
        if isinstance(info, CommandInfo):
            text = info.help or inspect.getdoc(info.callback) or ""
        else:
            text = typer.main.solve_typer_info_help(info)
        panel = info.rich_help_panel
        return inspect.cleandoc(text), None if isinstance(panel, DefaultPlaceholder) else panel


def _build(name: str, info: CommandInfo | TyperInfo) -> click.Command:
    """One command (or command group) from its registration, its help in the interface language."""
    from ecotrack.cli.help import translate_command

    command: click.Command
    if isinstance(info, CommandInfo):
        command = typer.main.get_command_from_info(info, pretty_exceptions_short=False, rich_markup_mode=None)
    else:
        command = typer.main.get_group_from_info(
            info, pretty_exceptions_short=False, suggest_commands=True, rich_markup_mode=None
        )
    translate_command(command, name)
    return command


class EcotrackGroup(TyperGroup):
    """Turns every failure a user can cause into `error:` lines and an exit code (SPEC §7)."""

    settings: Settings | None = None  # set by the root callback once options are parsed

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # the names alone: Typer's own asks for every command, building each

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands under their panels, each summed up from its help without building it."""
        from typer._click.utils import make_default_short_help

        lazy = self.commands
        assert isinstance(lazy, LazyCommands)
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        panels: dict[str, list[tuple[str, str]]] = {}
        for name in names:
            text, panel = lazy.summary(name)
            title = t(panel) if panel else t("Commands")
            panels.setdefault(title, []).append((name, make_default_short_help(t(text), limit) if text else ""))
        for title, rows in panels.items():
            with formatter.section(title):
                formatter.write_dl(rows)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from ecotrack.cli.help import translate

        self.settings = None  # the root callback sets it again for this run
        translate(self, list(args) if args is not None else sys.argv[1:])
        code = _run_guarded(
            lambda: super(EcotrackGroup, self).main(
                args=args, prog_name=prog_name, complete_var=complete_var, standalone_mode=False, **extra
            ),
            lambda: self.settings,
        )
        if standalone_mode:
            sys.exit(code)
        return code


def _run_guarded(run: Callable[[], Any], settings: Callable[[], Settings | None]) -> int:
    try:
        result = run()
    except EcotrackError as failure:
        render.error(failure.lines(), failure.hint)
        return int(failure.exit_code)
    except typer.TyperException as failure:  # usage errors from option parsing
        hint = _misplaced_global_option(failure)
        if hint is not None and hasattr(failure, "possibilities"):
            failure.possibilities = None  # the command's own look-alikes (--year: --board) would mislead
        render.error([failure.format_message()], hint)
        return int(getattr(failure, "exit_code", ExitCode.BAD_INPUT))
    except typer.Abort:
        render.error([t("aborted; nothing was changed")])
        return int(ExitCode.REFUSED)
    except KeyboardInterrupt:
        render.error([t("interrupted; nothing was changed")])
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`ecotrack history | head`): not an error of ours
        sys.stderr = Path(os.devnull).open("w")  # noqa: SIM115
        return int(ExitCode.OK)
    except Exception as failure:
        return _unexpected(failure, settings() or Settings())
    return int(result) if isinstance(result, int) else int(ExitCode.OK)


GLOBAL_OPTIONS = ("--plan", "--db", "--year", "--lang")


def _misplaced_global_option(failure: Exception) -> str | None:
    """A hint when an option of ecotrack itself came after the command, where the command cannot take it."""
    name = getattr(failure, "option_name", None)
    if name not in GLOBAL_OPTIONS:
        return None
    context = getattr(failure, "ctx", None)
    command = str(getattr(context, "command_path", "ecotrack COMMAND")).removeprefix("ecotrack ")
    return t(
        "{option} is an option of ecotrack itself: give it before the command, as in `ecotrack {option} … {command}`",
        option=name,
        command=command,
    )


def _unexpected(failure: Exception, settings: Settings) -> int:
    """A database or disk failure in plain words; anything else is a bug, shown in full only when debugging."""
    module = type(failure).__module__
    if isinstance(failure, OSError) and not module.startswith("sqlalchemy"):
        # an operating-system failure is the file's it names, or else the output stream's, never the database's
        reason = failure.strerror or str(failure)
        if failure.filename is not None:
            render.error([t("cannot write {path}: {reason}", path=failure.filename, reason=reason)])
        else:
            sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115  (nothing more can go to the broken stream)
            render.error([t("cannot write to standard output: {reason}", reason=reason)])
        return int(ExitCode.REFUSED)
    if module.startswith("sqlalchemy") or module == "sqlite3":
        from ecotrack.tracker import describe_database_failure

        try:
            message = describe_database_failure(failure, settings.db)
        except Exception:  # describing must never fail in its turn
            message = t(
                "database {db}: {reason}",
                db=settings.db,
                reason=str(failure).strip().splitlines()[0] if str(failure) else "?",
            )
        render.error([message])
        return int(ExitCode.REFUSED)
    if os.environ.get("ECOTRACK_DEBUG"):
        raise failure
    render.error(
        [
            t(
                "unexpected {kind}: {detail} (a bug in ecotrack: run again with ECOTRACK_DEBUG=1 and report it)",
                kind=type(failure).__name__,
                detail=str(failure)[:300],
            )
        ]
    )
    return int(ExitCode.REFUSED)


app = typer.Typer(
    cls=EcotrackGroup,
    name="ecotrack",
    help=N_("The accountability tracker for a district's yearly ecological-construction plan."),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ecotrack {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    plan: Annotated[
        str, typer.Option("--plan", envvar="ECOTRACK_PLAN", metavar="PATH", help=N_("The plan file."))
    ] = DEFAULT_PLAN,
    db: Annotated[
        str,
        typer.Option(
            "--db",
            envvar="ECOTRACK_DB",
            metavar="PATH-or-URL",
            help=N_("SQLite file, or an SQLAlchemy URL (postgresql+psycopg://…)."),
        ),
    ] = DEFAULT_DB,
    year: Annotated[
        str | None,
        typer.Option(
            "--year",
            envvar="ECOTRACK_YEAR",
            metavar="YYYY",
            help=N_("Plan year (default: the latest in the database)."),
            autocompletion=complete.years,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", envvar="ECOTRACK_LANG", metavar="zh|en", help=N_("Interface language (default: from the locale).")
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=N_("Show the version."))
    ] = False,
) -> None:
    """Plan, monthly filings, notices and the year-end assessment, from the command line."""
    from ecotrack.config import database_problem
    from ecotrack.errors import BadInput

    chosen = (lang or detect_language()).strip().lower()
    if chosen not in ("zh", "en"):
        set_language(detect_language())
        raise BadInput(
            t("{option} '{text}': choose zh or en", option=_source(ctx, "lang", "--lang", "ECOTRACK_LANG"), text=lang)
        )
    set_language(chosen)
    problem = database_problem(db)
    if problem is not None:
        raise BadInput(t(problem, option=_source(ctx, "db", "--db", "ECOTRACK_DB"), value=db))
    plan_year = None
    if year is not None:
        text = year.strip()
        if not (text.isascii() and text.isdigit() and 1900 <= int(text) <= 2100):
            raise BadInput(
                t(
                    "{option} '{text}' is not a plan year (a year from 1900 to 2100, like 2012)",
                    option=_source(ctx, "year", "--year", "ECOTRACK_YEAR"),
                    text=year,
                )
            )
        plan_year = int(text)
    located = _located(ctx, plan, db, plan_year)
    ctx.obj = replace(
        located,
        year_from=_origin(ctx, "year"),
        lang_from="locale" if _origin(ctx, "lang") == "default" else _origin(ctx, "lang"),
    )
    if isinstance(ctx.command, EcotrackGroup):
        ctx.command.settings = ctx.obj


def _located(ctx: typer.Context, plan: str, db: str, year: int | None) -> Settings:
    """The settings, with the plan found in the working folder or above it when none was given (SPEC §2 reads
    the working folder's; a subfolder works as git's do), and where each came from."""
    from ecotrack.config import discovered

    plan_from, db_from = _origin(ctx, "plan"), _origin(ctx, "db")
    if plan_from == "default":
        found = discovered(Path.cwd(), db_given=db_from != "default")
        if db_from != "default":
            return replace(found, db=db, db_from=db_from, year=year)
        return replace(found, year=year)
    return Settings(plan=plan, db=db, year=year, plan_from=plan_from, db_from=db_from)


def _origin(ctx: typer.Context, name: str) -> Origin:
    """Whether a root option was given on the command line, by its environment variable, or not at all."""
    source = getattr(ctx.get_parameter_source(name), "name", "DEFAULT")
    return "environment" if source == "ENVIRONMENT" else "option" if source == "COMMANDLINE" else "default"


def _source(ctx: typer.Context, name: str, option: str, variable: str) -> str:
    """How the user gave a value: the option, or the environment variable it came from."""
    source = ctx.get_parameter_source(name)
    return variable if getattr(source, "name", None) == "ENVIRONMENT" else option


def _register() -> None:
    from ecotrack.cli import admin, entries, matters, meeting, pictures, rectification, requests, review, yearend
    from ecotrack.cli import plan as plan_commands

    commands.add_typer(plan_commands.app, name="plan", rich_help_panel=N_("Set-up"))
    admin.register(commands)
    entries.register(commands)
    review.register(commands)
    meeting.register(commands)
    pictures.register(commands)
    rectification.register(commands)
    yearend.register(commands)
    requests.register(commands)
    matters.register(commands)


_register()


def main() -> None:
    """The console-script entry point."""
    app()
