"""`--help` in the interface language.

Command help is the command function's docstring, option help is `help=N_("…")`, and panel titles
are `N_("…")`: all English, all in the catalogs. Before a command line is parsed, the language is
taken from it (a global `--lang` before the command), or from `ECOTRACK_LANG` or the locale, and every
help text of the command tree, with Typer's own panel titles, is put into that language.

`extract` is the Babel extractor of the CLI modules that puts command docstrings in the catalogs too
(`ecotrack/locale/babel.cfg`; README, Development).
"""

from __future__ import annotations

import ast
import inspect
import os
from collections.abc import Iterator, Sequence
from typing import IO, Any

from ecotrack.i18n import LANGUAGES, N_, detect_language, set_language, t, unformatted

# Click's own words in its plain help screens (Typer writes them through `typer.core._`, stdlib gettext)
CLICK_WORDS = {
    "Arguments": N_("Arguments"),
    "Options": N_("Options"),
    "Commands": N_("Commands"),
    "default: {default}": N_("default: {default}"),
    "env var: {var}": N_("env var: {var}"),
    "required": N_("required"),
}


def language_of(args: Sequence[str]) -> str:
    """The language a command line asks for: `--lang X` before the command, else ECOTRACK_LANG, else the
    locale. A value that is no language is left for the root callback to refuse."""
    chosen = os.environ.get("ECOTRACK_LANG")
    for index, arg in enumerate(args):
        if not arg.startswith("-"):
            break  # the command: what follows is its own
        if arg == "--lang" and index + 1 < len(args):
            chosen = args[index + 1]
        elif arg.startswith("--lang="):
            chosen = arg.removeprefix("--lang=")
    chosen = (chosen or "").strip().lower()
    return chosen if chosen in LANGUAGES else detect_language()


def translate(command: Any, args: Sequence[str]) -> None:
    """Put every help text of `command` and its subcommands built so far, and Click's words, in the
    language of `args` (a command built later is translated as it is built: `translate_command`)."""
    import typer.core

    language = language_of(args)
    set_language(language)
    typer.core._ = _click_word  # type: ignore[attr-defined]
    _translate_usage_prefix()
    # A tree already in this language stays in it: the commands built since were translated as they were
    # built (a process that runs many commands, as the tests do, would walk the whole tree each time).
    if getattr(command, "_ecotrack_language", None) != language:
        _translate_tree(command)
        command._ecotrack_language = language


def translate_command(command: Any, path: str) -> None:
    """Put the help texts of one command, just built, in the interface language."""
    _translate_tree(command, path)


def _click_word(message: str) -> str:
    return unformatted(CLICK_WORDS[message]) if message in CLICK_WORDS else message


USAGE_PREFIX = N_("Usage: ")


def _translate_usage_prefix() -> None:
    """Click writes "Usage: " in English whatever the language; give it the catalog's word."""
    from typer._click.formatting import HelpFormatter

    if getattr(HelpFormatter.write_usage, "_ecotrack", False):
        return
    english = HelpFormatter.write_usage

    def write_usage(self: HelpFormatter, prog: str, args: str = "", prefix: str | None = None) -> None:
        english(self, prog, args, unformatted(USAGE_PREFIX) if prefix is None else prefix)

    write_usage._ecotrack = True  # type: ignore[attr-defined]
    HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]


# Help texts of the options Typer and Click add themselves
OWN_OPTIONS = (
    N_("Show this message and exit."),
    N_("Install completion for the current shell."),
    N_("Show completion for the current shell, to copy it or customize the installation."),
)


# One example per command, shown under its help (commands are the same in every language)
EXAMPLES = {
    "init": "ecotrack init",
    "report": "ecotrack report --unit qingshan --target 1.1 --period 2012-06 --value 3",
    "template": "ecotrack template --unit liuhe --period 2012-08 --out form.xlsx",
    "import": "ecotrack import form.xlsx --dry-run",
    "history": "ecotrack history --unit qingshan --format csv",
    "review": "ecotrack review --unit liuhe --period 2012-07",
    "accept": "ecotrack accept --unit liuhe --period 2012-07",
    "return": 'ecotrack return 1093 --reason "15亩应为150亩，请核实后重报" --refile-by 2012-07-12',
    "lock": 'ecotrack lock 2012-06 --reason "6月调度会后关账"',
    "unlock": 'ecotrack unlock 2012-06 --reason "区财政局补报纸质月报"',
    "locks": "ecotrack locks --format json",
    "units": "ecotrack units",
    "targets": "ecotrack targets --unit liuhe",
    "status": "ecotrack status --as-of 2012-07-06 --unit qingshan",
    "filings": "ecotrack filings --as-of 2012-07-06",
    "overdue": "ecotrack overdue --as-of 2012-07-06 --brief",
    "notice": "ecotrack notice --as-of 2012-07-06 --out notices",
    "notices": "ecotrack notices show 1",
    "notices show": "ecotrack notices show 1 --format json",
    "notices sign": "ecotrack notices sign 1 --on 2012-07-08 --out notices --docx",
    "notices void": 'ecotrack notices void 2 --reason "误将石门镇排除，重新印发"',
    "rectify": 'ecotrack rectify --notice 1 --unit baisha --text "已补报3月、5月月报" --attach 整改报告.pdf',
    "rectifications": "ecotrack rectifications --as-of 2012-07-20 --open",
    "rectifications close": 'ecotrack rectifications close 1 --unit baisha --note "已补报，核查属实"',
    "rectifications return": 'ecotrack rectifications return 1 --unit liuhe --reason "未说明7月月报补报时间"',
    "remind": "ecotrack remind --as-of 2012-08-02 --format text",
    "pack": "ecotrack pack --as-of 2012-07-06 --out meeting/",
    "chart": "ecotrack chart --unit baisha --target 3.1 --out baisha-3.1.svg --as-of 2012-07-06",
    "attachment": (
        "ecotrack attachment 16442365b8ded5ca40684c350aa38457f3a8ad432e9d3e81b9cdd439b81f967e --out 整改报告.pdf"
    ),
    "assess": "ecotrack assess --as-of 2013-02-01 --unit baisha",
    "score": 'ecotrack score add --unit qingshan --points 2 --item "创建省级生态镇" --basis "市环委〔2012〕5号"',
    "score add": 'ecotrack score add --unit qingshan --points 2 --item "创建省级生态镇" --basis "市环委〔2012〕5号"',
    "score veto": 'ecotrack score veto --unit jiaojing --reason "发生重大环境污染事件"',
    "score void": 'ecotrack score void 2 --reason "经复核不属实"',
    "score list": "ecotrack score list --format json",
    "appeal": 'ecotrack appeal --unit qingshan --text "省级项目完成的5亩未计入"',
    "appeals": "ecotrack appeals --unit qingshan --format json",
    "appeals decide": 'ecotrack appeals decide 1 --uphold --reason "5亩已核实" --ref 7 --on 2013-01-14',
    "request": 'ecotrack request --unit qingshan --target 1.1 --extend-to 2012-09-30 --reason "用地审批延后"',
    "requests": "ecotrack requests --open --format json",
    "requests decide": 'ecotrack requests decide 1 --approve --reason "经研究同意" --from 2012-06 --on 2012-05-20',
    "matter": (
        'ecotrack matter add --title "开展夏季秸秆禁烧专项督查" --unit liuhe --unit shimen --due 2012-06-30 '
        '--source "区生态建设工作领导小组第3次例会" --on 2012-06-15'
    ),
    "matter add": (
        'ecotrack matter add --title "开展夏季秸秆禁烧专项督查" --unit liuhe --unit shimen --due 2012-06-30 '
        '--source "区生态建设工作领导小组第3次例会" --on 2012-06-15'
    ),
    "matter report": 'ecotrack matter report 1 --unit liuhe --text "已完成专项督查，形成督查报告" --on 2012-06-28',
    "matters": "ecotrack matters --as-of 2012-07-06 --open",
    "matters close": 'ecotrack matters close 1 --unit liuhe --note "核查属实" --on 2012-07-02',
    "matters return": 'ecotrack matters return 1 --unit shimen --reason "请附督查记录" --on 2012-07-13',
    "config": "ecotrack config --format json",
    "export": "ecotrack export --format xlsx --out 2012.xlsx --as-of 2013-02-01",
    "backup": "ecotrack backup backups/ecotrack-2012.db",
    "db": "ecotrack db roles",
    "db roles": "ecotrack db roles",
    "db clerk": "ecotrack db clerk liuhe_clerk --unit liuhe",
    "db office": "ecotrack db office zhang_office",
    "db auditor": "ecotrack db auditor audit_bureau",
    "db revoke": "ecotrack db revoke liuhe_clerk",
    "db logins": "ecotrack db logins",
    "plan": "ecotrack plan check tasks.yaml",
    "plan check": "ecotrack plan check tasks.yaml",
    "plan load": "ecotrack plan load",
    "plan show": "ecotrack plan show --format json",
    "": "ecotrack status --as-of 2012-07-06",  # the root's --help (the README's first meeting)
}


def _translate_tree(command: Any, path: str = "") -> None:
    for attribute in ("help", "short_help", "rich_help_panel"):
        _translate_attribute(command, attribute)
    if path in EXAMPLES:
        command.epilog = t("Example: {command}", command=EXAMPLES[path])
    for parameter in command.params:
        _translate_parameter(parameter)
    if not hasattr(command, "_ecotrack_help_option"):
        # Click makes the --help option only when a help screen needs it: translate it then.
        make = command.get_help_option

        def translated_help_option(ctx: Any) -> Any:
            option = make(ctx)
            if option is not None:
                _translate_parameter(option)
            return option

        command.get_help_option = translated_help_option
        command._ecotrack_help_option = True
    subcommands = getattr(command, "commands", {})
    built = subcommands.built() if hasattr(subcommands, "built") else subcommands
    for name, sub in built.items():
        _translate_tree(sub, f"{path} {name}".strip())


def _translate_parameter(parameter: Any) -> None:
    for attribute in ("help", "rich_help_panel"):
        _translate_attribute(parameter, attribute)
    if getattr(parameter, "is_flag", False) and parameter.metavar is None:
        parameter.metavar = ""  # a flag takes no value: no "<bool>" beside it


def _translate_attribute(owner: Any, attribute: str) -> None:
    """Translate from the English kept aside the first time, so that translating again is harmless."""
    kept = f"_english_{attribute}"
    if not hasattr(owner, kept):
        setattr(owner, kept, getattr(owner, attribute, None))
    text = getattr(owner, kept)
    if isinstance(text, str) and text:
        english = inspect.cleandoc(text)  # as the docstring extractor cleaned it
        setattr(owner, attribute, t(english))


def extract(source: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """A Babel extractor for CLI modules: their messages as Python's extractor finds them, and the
    docstring of every command (the help Typer shows), cleaned as Typer cleans it. A command is a
    function decorated with `….command()` or `….callback()`, or registered as `app.command(…)(function)`."""
    import io

    from babel.messages.extract import extract_python

    code = source.read()
    yield from extract_python(io.BytesIO(code), keywords, comment_tags, options)  # type: ignore[arg-type]
    tree = ast.parse(code)
    registered = {
        call.args[0].id
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Call)
        and isinstance(call.func.func, ast.Attribute)
        and call.func.func.attr == "command"
        and call.args
        and isinstance(call.args[0], ast.Name)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and (node.name in registered or _decorated(node)):
            docstring = ast.get_docstring(node, clean=True)
            if docstring:
                yield node.lineno, None, docstring, []


def _decorated(node: ast.FunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("command", "callback")
        for d in node.decorator_list
    )
