"""Every user-facing sentence, in English and Chinese, in one place.

`t(key, **values)` gives a message in the interface language chosen by `--lang` / `ECOTRACK_LANG` /
the locale (SPEC §2). Data keys and status words in JSON and CSV never change with the language;
only what people read does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

Language = str  # "zh" | "en"
LANGUAGES = ("zh", "en")

_language: Language = "en"


def detect_language(environ: Mapping[str, str] | None = None) -> Language:
    """`zh` when the locale (LC_ALL, then LANG) starts with zh, else `en` (SPEC §2)."""
    env = os.environ if environ is None else environ
    locale = env.get("LC_ALL") or env.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


def set_language(language: Language) -> None:
    global _language
    _language = language if language in LANGUAGES else "en"


def language() -> Language:
    return _language


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    """ "; did you mean 'x'?" for the closest of `choices`, or nothing when none is close."""
    import difflib

    close = difflib.get_close_matches(text, list(choices), n=1)
    return t("plan.did_you_mean", suggestion=close[0]) if close else ""


def t(message_id: str, /, **values: object) -> str:
    """The message `key` in the interface language, with `values` filled in."""
    english, chinese = CATALOG[message_id]
    return (chinese if _language == "zh" else english).format(**values)


# Status words: JSON and CSV always use the keys; tables show these labels.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "done": ("done", "已完成"),
    "on_track": ("on track", "正常"),
    "at_risk": ("at risk", "预警"),
    "behind": ("behind", "滞后"),
    "on_time": ("on time", "按时"),
    "late": ("late", "逾期"),
    "missing": ("missing", "未报"),
    "pending": ("pending", "待报"),
    "not_required": ("not required", "无需报送"),
    "town": ("town", "镇"),
    "subdistrict": ("sub-district", "街道"),
    "department": ("department", "部门"),
    "quantity": ("quantity", "数量"),
    "milestone": ("milestone", "节点"),
}


def label(word: str) -> str:
    """The table label of a status word or kind (the word itself when it has none)."""
    pair = STATUS_LABELS.get(word)
    if pair is None:
        return word
    return pair[1] if _language == "zh" else pair[0]


CATALOG: dict[str, tuple[str, str]] = {
    # --- the plan file (SPEC §3) ---
    "plan.tag_refused": ("the tag {tag} is not allowed in a plan file", "计划文件中不允许使用标签 {tag}"),
    "plan.bad_scalar": ("cannot read {text!r} as a value", "无法读取取值 {text!r}"),
    "plan.bad_date": ("{text!r} is not a real date", "{text!r} 不是真实存在的日期"),
    "plan.bad_key": ("a key must be plain text", "键必须是普通文本"),
    "plan.duplicate_key": (
        "duplicate key {key!r} (first at line {line})",
        "重复的键 {key!r}（首次出现在第 {line} 行）",
    ),
    "plan.key_of": ("{key} key", "{key} 的键"),
    "plan.missing_key": ("missing required key {key!r}", "缺少必填项 {key!r}"),
    "plan.missing_section": ("missing required section {key!r}", "缺少必填部分 {key!r}"),
    "plan.unknown_key": ("unknown key {key!r}", "未知的键 {key!r}"),
    "plan.did_you_mean": ("; did you mean {suggestion!r}?", "；是否应为 {suggestion!r}？"),
    "plan.quote_it": (
        '{key} must be text, not a number or yes/no: quote it ({key}: "{text}")',
        '{key} 必须是文本，不能是数字或是/否：请加引号（{key}: "{text}"）',
    ),
    "plan.code_pattern": (
        "code {code!r} may not hold spaces or start with = + - @ or ' (a spreadsheet would change it)",
        "编号 {code!r} 不能含空格，也不能以 = + - @ 或 ' 开头（表格软件会改动它）",
    ),
    "plan.unit_code_pattern": (
        "unit code {code!r} must be lowercase letters, digits, '_' or '-', starting with a letter",
        "单位代码 {code!r} 只能由小写字母、数字、'_' 或 '-' 组成，并以字母开头",
    ),
    "plan.assign_shape": (
        "assign must be a mapping of unit to amount, or a list of units",
        "assign 必须是“单位: 数量”的映射，或单位列表",
    ),
    "plan.expected_text": ("{key} must be text", "{key} 必须是文本"),
    "plan.empty_text": ("{key} must not be empty", "{key} 不能为空"),
    "plan.expected_integer": ("{key} must be a whole number", "{key} 必须是整数"),
    "plan.expected_number": ("{key} must be a number", "{key} 必须是数字"),
    "plan.expected_finite": ("{key} must be a finite number", "{key} 必须是有限的数字"),
    "plan.expected_mapping": ("{key} must be a mapping of keys to values", "{key} 必须是键值映射"),
    "plan.expected_list": ("{key} must be a list", "{key} 必须是列表"),
    "plan.expected_items": ("{key} must have at least one item", "{key} 至少要有一项"),
    "plan.expected_date": ("{key} must be a date like 2012-09-30", "{key} 必须是日期，例如 2012-09-30"),
    "plan.greater_than_equal": ("{key} must be at least {limit}", "{key} 不能小于 {limit}"),
    "plan.greater_than": ("{key} must be greater than {limit}", "{key} 必须大于 {limit}"),
    "plan.less_than_equal": ("{key} must be at most {limit}", "{key} 不能大于 {limit}"),
    "plan.less_than": ("{key} must be less than {limit}", "{key} 必须小于 {limit}"),
    "plan.one_of": ("{key} must be one of {expected}", "{key} 必须是 {expected} 之一"),
    "plan.number_format_broken": (
        "number_format is not a valid format (unbalanced braces?)",
        "number_format 格式无效（花括号不成对？）",
    ),
    "plan.number_format_fields": (
        "number_format must contain {{number}} and may contain only {{number}} and {{year}}",
        "number_format 必须包含 {{number}}，且只能包含 {{number}} 和 {{year}}",
    ),
    "plan.duplicate_unit_code": (
        "duplicate unit code {code!r} (first at line {line})",
        "单位代码 {code!r} 重复（首次出现在第 {line} 行）",
    ),
    "plan.duplicate_task_code": (
        "duplicate task code {code!r} (first at line {line})",
        "任务代码 {code!r} 重复（首次出现在第 {line} 行）",
    ),
    "plan.duplicate_target_code": (
        "duplicate target code {code!r} (first at line {line})",
        "指标代码 {code!r} 重复（首次出现在第 {line} 行）",
    ),
    "plan.unknown_unit": ("unknown unit {code!r}", "未知的单位 {code!r}"),
    "plan.duplicate_unit": ("unit {code!r} is listed twice", "单位 {code!r} 重复列出"),
    "plan.assigned_and_supporting": (
        "unit {code!r} is both assigned and supporting",
        "单位 {code!r} 既是责任单位又是配合单位",
    ),
    "plan.milestone_key": ("a milestone has no {key}", "节点类指标不能有 {key}"),
    "plan.milestone_assign_list": ("assign a milestone as a list of units", "节点类指标的 assign 应为单位列表"),
    "plan.due_outside_year": ("due {due} is outside the plan year {year}", "完成时限 {due} 不在计划年度 {year} 内"),
    "plan.quantity_due": (
        "due is for milestones; a quantity target uses schedule",
        "due 仅用于节点类指标；数量类指标请使用 schedule",
    ),
    "plan.amount_with_mapping": (
        "amount goes with a list of units; the mapping already gives each unit's amount",
        "amount 只与单位列表搭配使用；映射中已给出各单位的数量",
    ),
    "plan.amount_is_baseline": (
        "amount {amount} equals the baseline: nothing to do",
        "目标值 {amount} 等于基数，没有任务量",
    ),
    "plan.list_needs_amount": (
        "a list of units needs amount (the same amount for each)",
        "单位列表需要 amount（各单位相同的数量）",
    ),
    "plan.schedule_month": ("schedule month {month} is outside 1..12", "进度月份 {month} 不在 1..12 内"),
    "plan.schedule_share": (
        "schedule share {share} must be more than 0 and at most 1",
        "进度比例 {share} 必须大于 0 且不超过 1",
    ),
    "plan.schedule_increasing": (
        "schedule shares must increase with the month (month {month})",
        "进度比例必须随月份递增（第 {month} 月）",
    ),
    "plan.schedule_last": ("the last share of a schedule must be 1.0", "进度安排的最后一个比例必须是 1.0"),
    "plan.yaml_syntax": ("not valid YAML: {problem}", "不是有效的 YAML：{problem}"),
    "plan.unreadable": ("cannot read this file as YAML (nested too deeply?)", "无法按 YAML 读取此文件（嵌套过深？）"),
    "plan.alias_refused": (
        "YAML aliases (*name) are not allowed in a plan file; write the value out",
        "计划文件中不允许使用 YAML 别名（*name），请直接写出取值",
    ),
    "plan.empty": ("the plan file is empty", "计划文件为空"),
    "plan.root_mapping": (
        "a plan file is a mapping with plan, units and tasks",
        "计划文件应为包含 plan、units、tasks 的映射",
    ),
    "plan.file_missing": (
        "no plan file at {path} (give --plan or set ECOTRACK_PLAN)",
        "找不到计划文件 {path}（请用 --plan 指定或设置 ECOTRACK_PLAN）",
    ),
    "plan.file_is_directory": ("{path} is a folder, not a plan file", "{path} 是文件夹，不是计划文件"),
    "plan.file_unreadable": ("cannot read {path}: {reason}", "无法读取 {path}：{reason}"),
    "plan.control_character": (
        "control character {code} is not allowed in a plan file",
        "计划文件中不允许出现控制字符 {code}",
    ),
    "plan.not_utf8": ("the plan file is not UTF-8 text", "计划文件不是 UTF-8 文本"),
    "plan.changed_since_load": (
        "{path} has changed since plan year {year} was loaded: run `ecotrack plan load`",
        "{path} 在 {year} 年度计划载入后已修改：请运行 `ecotrack plan load`",
    ),
    "plan.loaded": ("plan year {year} loaded", "{year} 年度计划已载入"),
    "plan.synced": (
        "plan year {year} re-synced: {added} added, {changed} changed, {removed} removed",
        "{year} 年度计划已同步：新增 {added} 项，修改 {changed} 项，删除 {removed} 项",
    ),
    "plan.tree_office": ("issued by {office}", "牵头：{office}"),
    "plan.tree_baseline": ("baseline {baseline}", "基数 {baseline}"),
    "plan.tree_month": ("/12", "月"),
    "plan.tree_lead": ("lead:", "责任："),
    "plan.tree_support": ("support:", "配合："),
    # --- the command line ---
    "cli.aborted": ("aborted; nothing was changed", "已取消，未做任何修改"),
    "cli.interrupted": ("interrupted; nothing was changed", "已中断，未做任何修改"),
    "cli.bug": (
        "unexpected {kind}: {detail} (a bug in ecotrack: run again with ECOTRACK_DEBUG=1 and report it)",
        "意外错误 {kind}：{detail}（ecotrack 的缺陷：请设置 ECOTRACK_DEBUG=1 重新运行并报告）",
    ),
    "option.bad_date": (
        "{option} {text!r} is not a date like 2012-07-06",
        "{option} {text!r} 不是有效日期（例如 2012-07-06）",
    ),
    "option.bad_year": (
        "{option} {text!r} is not a plan year (a year from 1900 to 2100, like 2012)",
        "{option} {text!r} 不是计划年度（1900 至 2100 之间的年份，如 2012）",
    ),
    "option.bad_lang": ("{option} {text!r}: choose zh or en", "{option} {text!r}：请选择 zh 或 en"),
    "option.unknown_unit": ("unknown unit {code!r}", "未知的单位 {code!r}"),
    "option.unknown_target": ("unknown target {code!r}", "未知的指标 {code!r}"),
    "option.unknown_task": ("unknown task {code!r}", "未知的任务 {code!r}"),
    "output.cannot_write": ("cannot write {path}: {reason}", "无法写入 {path}：{reason}"),
    "plan.changed_underneath": (
        "the {year} plan was loaded again ({loaded}) while this command was checking against it; "
        "nothing was filed: run the command again",
        "本命令核对期间，{year} 年度计划被重新载入（{loaded}）；未录入任何数据，请重新运行",
    ),
    "import.not_a_file": (
        "{path} is not a regular file (a device or a pipe): save the form as a file and import that",
        "{path} 不是普通文件（是设备或管道）：请将填报表保存为文件后再导入",
    ),
    "import.too_large": (
        "{path} is {size} MiB, more than the {limit} MiB an import reads (set ECOTRACK_IMPORT_LIMIT_MB to allow more)",
        "{path} 大小为 {size} MiB，超过导入上限 {limit} MiB（可设置 ECOTRACK_IMPORT_LIMIT_MB 放宽）",
    ),
    "import.bad_limit": (
        "{variable} {text!r} is not a whole number of MiB above 0",
        "{variable} {text!r} 不是大于 0 的整数（单位 MiB）",
    ),
    "import.number_too_long": (
        "the number {value} is too long for a spreadsheet to keep exactly: format the cell as text and retype it",
        "数字 {value} 位数过多，表格无法精确保存：请将单元格设为文本格式后重新输入",
    ),
    "import.malformed_cell": (
        "{where}: the cell cannot be read ({reason}); retype it, or save the workbook again from Excel or WPS",
        "{where}：无法读取该单元格（{reason}）；请重新填写，或用 Excel、WPS 重新保存工作簿",
    ),
    "import.too_many_strings": (
        "{path} holds more than {limit} different texts (shared strings); no form needs so many",
        "{path} 含有超过 {limit} 个不同文本（共享字符串），任何报表都不需要这么多",
    ),
    "import.more_warnings": ("... and {count} more warnings", "……另有 {count} 条提示"),
    "import.too_many_rows": (
        "{path} has more than {limit} rows; split it into several files",
        "{path} 超过 {limit} 行；请拆分为多个文件",
    ),
    "import.not_a_text_encoding": (
        "--encoding {encoding!r} is not a character encoding of text files (try utf-8 or gb18030)",
        "--encoding {encoding!r} 不是文本文件的字符编码（可用 utf-8 或 gb18030）",
    ),
    "option.db_empty": (
        "{option} is empty: give a SQLite file path or a database URL",
        "{option} 为空：请给出 SQLite 文件路径或数据库 URL",
    ),
    "option.db_in_memory": (
        "{option} {value!r} is an in-memory database, which keeps nothing: give a SQLite file path",
        "{option} {value!r} 是内存数据库，不保存任何数据：请给出 SQLite 文件路径",
    ),
    "option.db_scheme": (
        "{option} {value!r} is not a database ecotrack works with: give a SQLite file path, "
        "or a postgresql+psycopg://user@host/database URL",
        "{option} {value!r} 不是 ecotrack 支持的数据库：请给出 SQLite 文件路径，"
        "或 postgresql+psycopg://用户@主机/数据库 形式的 URL",
    ),
    "option.db_bad_url": (
        "{option} {value!r} is not a valid database URL (like postgresql+psycopg://user@host:5432/database)",
        "{option} {value!r} 不是有效的数据库 URL（如 postgresql+psycopg://用户@主机:5432/数据库）",
    ),
    "db.is_folder": ("the database {db} is a folder, not a SQLite file", "数据库 {db} 是文件夹，不是 SQLite 文件"),
    "db.not_a_file": (
        "the database {db} is not a regular file (a device or a pipe), so it cannot hold a SQLite database",
        "数据库 {db} 不是普通文件（是设备或管道），不能存放 SQLite 数据库",
    ),
    "output.stdout_failed": ("cannot write to standard output: {reason}", "无法写入标准输出：{reason}"),
    "output.not_a_folder": ("--out {path} is a file, not a folder", "--out {path} 是文件，不是文件夹"),
    "init.created": ("database created at {db}", "已在 {db} 创建数据库"),
    "init.upgraded": (
        "database {db} upgraded from revision {revision}; the copy from before is at {backup}",
        "数据库 {db} 已从版本 {revision} 升级；升级前的副本保存在 {backup}",
    ),
    # --- columns of tables ---
    "col.unit": ("Unit", "单位"),
    "col.code": ("Code", "代码"),
    "col.name": ("Name", "名称"),
    "col.kind": ("Kind", "类别"),
    "col.assignments": ("Leads", "牵头指标"),
    "col.supports": ("Supports", "配合指标"),
    "col.target": ("Target", "指标"),
    "col.title": ("Title", "名称"),
    "col.amount": ("Amount", "目标"),
    "col.baseline": ("Baseline", "基数"),
    "col.actual": ("Actual", "实际"),
    "col.expected": ("Expected", "应达"),
    "col.gap": ("Gap", "差距"),
    "col.progress": ("Progress", "进度"),
    "col.status": ("Status", "状态"),
    "col.due": ("Due", "时限"),
    "col.weight": ("Weight", "权重"),
    "col.id": ("#", "序号"),
    "col.period": ("Period", "月份"),
    "col.value": ("Value", "完成值"),
    "col.reported_at": ("Reported", "填报时间"),
    "col.reported_by": ("By", "填报人"),
    "col.note": ("Note", "备注"),
    "col.corrects": ("Corrects", "更正"),
    "col.filed": ("Filed (audit)", "录入（审计）"),
    "units.title": ("Units of the {year} plan", "{year} 年度计划责任单位"),
    "targets.title": ("Targets of the {year} plan", "{year} 年度指标分解"),
    "targets.title_unit": ("Targets of {unit} in {year}", "{unit} {year} 年度指标"),
    "history.title": ("Entries of {year}, oldest first", "{year} 年度填报记录（按填报先后）"),
    "history.superseded": ("(superseded)", "（已更正）"),
    "status.title": (
        "Progress of the {year} plan as of {as_of} (evaluation month {month})",
        "{year} 年度目标进展，截至 {as_of}（考核月份 {month}）",
    ),
    "status.no_month": ("none yet", "尚无"),
    "status.milestone_due": ("due {due}", "时限 {due}"),
    "status.not_done": ("not done", "未完成"),
    # --- entries (SPEC §4) ---
    "entry.bad_period": ("period {text!r} is not a month like 2012-03", "月份 {text!r} 格式不对，应如 2012-03"),
    "entry.bad_month": ("period {text!r}: the month must be 1 to 12", "月份 {text!r}：月份应为 1 到 12"),
    "entry.bad_value": (
        "value {text!r} is not a plain decimal number (like 12 or 3.5)",
        "完成值 {text!r} 不是普通的十进制数字（如 12 或 3.5）",
    ),
    "entry.not_finite": ("value {text!r} is not a finite number", "完成值 {text!r} 不是有限的数字"),
    "entry.negative": ("value {text!r} is negative; a level is 0 or more", "完成值 {text!r} 为负数；完成值不能小于 0"),
    "entry.reported_at_range": ("reported_at {text!r} is out of range", "填报日期 {text!r} 超出范围"),
    "entry.bad_reported_at": (
        "reported_at {text!r} is not a date like 2012-07-03 (or 2012-07-03T09:30)",
        "填报日期 {text!r} 格式不对，应如 2012-07-03（或 2012-07-03T09:30）",
    ),
    "entry.too_long": (
        "{field} is {length} characters long; at most {limit} are kept",
        "{field} 长 {length} 个字符，最多 {limit} 个",
    ),
    "entry.control_character": (
        "{field} contains the control character {code}, which is not allowed",
        "{field} 含有不允许的控制字符 {code}",
    ),
    "import.period_number": (
        "period is the number {value} (a spreadsheet turns 2012.10 into 2012.1): type it as text, e.g. 2012-10",
        "月份是数字 {value}（表格会把 2012.10 变成 2012.1）：请以文本填写，例如 2012-10",
    ),
    "import.several_sheets": (
        "{path}: the workbook has several visible sheets ({sheets}); keep the form on one sheet, or hide the others",
        "{path}：工作簿有多个可见工作表（{sheets}）；请只保留一个填报表，或隐藏其他工作表",
    ),
    "import.no_visible_sheet": ("{path}: the workbook has no visible sheet", "{path}：工作簿没有可见的工作表"),
    "entry.too_large": (
        "value {text!r} is too large (at most {limit})",
        "完成值 {text!r} 过大（最大 {limit}）",
    ),
    "entry.progress_not_finite": (
        "value {value} for target {target} gives a progress that is not a finite number",
        "指标 {target} 的完成值 {value} 使进度无法计算（不是有限的数字）",
    ),
    "entry.far_beyond": (
        "{unit} {target} {period}: {value} is more than {times}× the amount ({reference}); "
        "filed, but check it is not a typing slip",
        "{unit} {target} {period}：{value} 超过目标值（{reference}）的 {times} 倍；已录入，请核对是否输错",
    ),
    "entry.unknown_unit": ("unknown unit {unit!r} in the {year} plan", "{year} 年度计划中没有单位 {unit!r}"),
    "entry.unknown_target": ("unknown target {target!r}", "未知的指标 {target!r}"),
    "entry.supporting_only": (
        "{unit} only supports target {target}; its lead units report it",
        "{unit} 只是指标 {target} 的配合单位，应由责任单位填报",
    ),
    "entry.not_assigned": ("{unit} is not assigned target {target}", "{unit} 没有承担指标 {target}"),
    "entry.period_outside_year": (
        "period {period} is outside the plan year {year}",
        "月份 {period} 不在计划年度 {year} 内",
    ),
    "entry.period_before_start": (
        "period {period} is before the first reporting month ({start})",
        "月份 {period} 早于首个报送月份（{start} 月）",
    ),
    "entry.reported_in_future": ("reported_at {reported_at} is in the future", "填报时间 {reported_at} 晚于当前时间"),
    "entry.period_after_report": (
        "period {period} has not begun by the report date {reported_on}",
        "填报日期 {reported_on} 时月份 {period} 尚未开始",
    ),
    "entry.milestone_value": (
        "a milestone is 1 (done) or 0 (not done), not {value}",
        "节点类指标只能填 1（完成）或 0（未完成），不能填 {value}",
    ),
    "entry.drifts_away": (
        "{unit} {target} {period}: {value} is further from the amount than the last period "
        "(a slip back, or a correction?)",
        "{unit} {target} {period}：{value} 比上期更远离目标（是回落，还是更正？）",
    ),
    # --- report and the monthly form ---
    "report.needs_terminal": (
        "give --target, --period and --value (or --done); the monthly form needs a terminal",
        "请给出 --target、--period 和 --value（或 --done）；逐项填报表需要在终端中运行",
    ),
    "report.needs_options": (
        "give --target, --period and --value (or --done)",
        "请给出 --target、--period 和 --value（或 --done）",
    ),
    "report.value_or_done": ("give --value or --done, not both", "--value 与 --done 只能给一个"),
    "report.nothing_filed": ("nothing filed", "未填报任何数据"),
    "report.filed": ("filed: {unit} {target} {period} = {value}", "已填报：{unit} {target} {period} = {value}"),
    "form.nothing_open": (
        "{unit} has no open target for {period}: nothing to report",
        "{unit} 在 {period} 没有需要报送的指标",
    ),
    "form.heading": (
        "Monthly report of {unit} for {period}: {count} targets (Enter skips one)",
        "{unit} {period} 月报：共 {count} 项指标（直接回车跳过）",
    ),
    "form.target": (
        "{target} {title}: amount {amount}, last reported {last}",
        "{target} {title}：目标 {amount}，上次填报 {last}",
    ),
    "form.ask_value": ("  level at the end of the month", "  月末累计完成值"),
    "form.ask_milestone": ("  done? 1 = yes, 0 = no", "  是否完成？1 = 是，0 = 否"),
    "form.confirm": ("File these {count} entries?", "确认填报这 {count} 条数据？"),
    "template.bad_suffix": ("--out {path}: write a .csv or .xlsx file", "--out {path}：请使用 .csv 或 .xlsx 文件"),
    "template.written": ("wrote {path}: {count} targets to fill in", "已写入 {path}：共 {count} 项指标待填"),
    # --- import ---
    "import.no_file": ("no file at {path}", "找不到文件 {path}"),
    "import.is_directory": ("{path} is a folder, not a file", "{path} 是文件夹，不是文件"),
    "import.unreadable": ("cannot read {path}: {reason}", "无法读取 {path}：{reason}"),
    "import.empty": ("{path} is empty: no header row", "{path} 为空：没有表头行"),
    "import.binary": (
        "{path} is not a text file (save it as CSV UTF-8, or as .xlsx)",
        "{path} 不是文本文件（请另存为 CSV UTF-8 或 .xlsx）",
    ),
    "import.unknown_encoding": ("unknown encoding {encoding!r}", "未知的编码 {encoding!r}"),
    "import.undecodable": (
        '{path}:{line}: not {encodings} text; save the file as "CSV UTF-8"',
        "{path}:{line}：不是 {encodings} 编码的文本；请另存为“CSV UTF-8”",
    ),
    "import.bad_header": ("{path}: the header row is wrong", "{path}：表头行有误"),
    "import.unknown_column": ("unknown column {column!r}", "未知的列 {column!r}"),
    "import.duplicate_column": ("column {column!r} appears twice", "列 {column!r} 重复"),
    "import.missing_columns": ("missing columns: {columns}", "缺少列：{columns}"),
    "import.csv_open_quote": (
        '{path}:{line}: a quoted cell is never closed (a " missing?)',
        '{path}:{line}：带引号的单元格没有结束（缺少 "？）',
    ),
    "import.csv_stray_quote": (
        '{path}:{line}: a quote in the wrong place: quote whole cells, and double a " inside one',
        '{path}:{line}：引号位置不对：应给整个单元格加引号，单元格内的 " 要写成两个',
    ),
    "import.extra_cells": (
        "{count} cells but only {columns} columns in the header",
        "有 {count} 个单元格，但表头只有 {columns} 列",
    ),
    "import.bad_xlsx": (
        "{path} is not a readable .xlsx workbook ({reason})",
        "{path} 不是可读取的 .xlsx 工作簿（{reason}）",
    ),
    "import.formula": ("cell {cell} holds a formula; paste values instead", "单元格 {cell} 含有公式，请粘贴为数值"),
    "import.bad_rows": ("{path}: {count} bad rows; nothing was imported", "{path}：{count} 行有误，未导入任何数据"),
    "import.more_problems": ("... and {count} more", "……另有 {count} 处"),
    "import.empty_cell": ("{column} is empty", "{column} 为空"),
    "import.target_number": (
        'target {value} was read as a number; format the column as text (e.g. "1.10")',
        '指标 {value} 被读成了数字；请把该列设为文本格式（例如 "1.10"）',
    ),
    "import.checking": ("checking rows", "正在检查"),
    "import.dry_run": (
        "{path}: all {count} rows are good; nothing filed (--dry-run)",
        "{path}：{count} 行全部无误；未填报（--dry-run）",
    ),
    "import.done": ("imported {count} entries from {path}", "已从 {path} 导入 {count} 条数据"),
    "import.encoding": (" (read as {encoding})", "（按 {encoding} 编码读取）"),
    "history.batch": ("(import #{batch})", "（导入批次 #{batch}）"),
    "import.batch": (" as import #{batch}", "，导入批次 #{batch}"),
    "import.unchanged": (
        "; {count} rows equal to what is on file were not filed again",
        "；{count} 行与已录入数据相同，未重复录入",
    ),
    "import.all_unchanged": (
        "nothing filed from {path}: all {count} rows equal what is on file",
        "{path} 未录入任何数据：{count} 行均与已录入数据相同",
    ),
    "import.seen_before": (
        "{path} was imported before: import #{batch} of {name} on {when} by {by} filed {count} entries; "
        "only rows that change something are filed",
        "{path} 已导入过：导入批次 #{batch}（{name}，{when}，{by}）录入 {count} 条；本次只录入有变化的行",
    ),
    # --- the monthly meeting ---
    "notice.no_month": (
        "no notice as of {as_of}: no month of {year} has ended yet",
        "截至 {as_of} 无法通报：{year} 年尚无已结束的月份",
    ),
    "notice.duplicate": (
        "a notice for {month} was issued already: {number}, on {issued}",
        "{month} 的通报已经印发：{number}，印发于 {issued}",
    ),
    "notice.none_overdue": (
        "no unit is overdue as of {as_of} (evaluation month {month}): no notice recorded",
        "截至 {as_of}（考核月份 {month}）没有进度滞后或逾期未报的单位，未印发通报",
    ),
    "notice.recorded": ("notice {number} recorded: {count} units named", "通报 {number} 已登记：共通报 {count} 个单位"),
    "notice.dry_run": (
        "draft only (--dry-run): nothing recorded; it would be {number}",
        "仅为草稿（--dry-run）：未登记；编号将为 {number}",
    ),
    "notice.written": ("wrote {path}", "已写入 {path}"),
    "notice.unknown": (
        "no notice number {number} in {year} (issued: {numbers})",
        "{year} 年没有第 {number} 号通报（已印发：{numbers}）",
    ),
    "notices.title": ("Notices of {year}", "{year} 年度通报"),
    "notices.none": ("no notice issued in {year} yet", "{year} 年尚未印发通报"),
    "filings.title": ("Monthly reports of {year} as of {as_of}", "{year} 年度月报报送情况，截至 {as_of}"),
    "filings.legend": (
        "✓ on time  L late  ✗ missing  · pending  – not required",
        "✓ 按时  L 逾期  ✗ 未报  · 待报  – 无需报送",
    ),
    "overdue.title": (
        "Overdue units as of {as_of} (evaluation month {month})",
        "截至 {as_of} 进度滞后或逾期未报的单位（考核月份 {month}）",
    ),
    "overdue.none": ("no unit is overdue as of {as_of}", "截至 {as_of} 没有进度滞后或逾期未报的单位"),
    "overdue.missing": ("reports missing: {months}", "未报月份：{months}"),
    "col.late_or_missing": ("Late or missing", "逾期或未报"),
    "col.reason": ("Reason", "问题"),
    "col.number": ("No.", "编号"),
    "col.document_number": ("Document", "文号"),
    "col.month": ("Month", "考核月份"),
    "col.as_of": ("As of", "截至"),
    "col.issued_at": ("Issued", "印发时间"),
    "col.units": ("Units named", "被通报单位"),
    # --- the year end ---
    "assess.title": ("Assessment of {year} as of {as_of}", "{year} 年度考核，截至 {as_of}"),
    "assess.not_assessed": (
        "this unit has no assignment: it supports only and is not assessed",
        "该单位没有承担任务，只是配合单位，不参加考核",
    ),
    "assess.formula": (
        "score = {completion_points} × completion {completion} + {timeliness_points} × timeliness "
        "{timeliness} − {penalty} × {notices} notices = {score}",
        "得分 = {completion_points} × 完成率 {completion} + {timeliness_points} × 及时率 {timeliness} "
        "− {penalty} × 被通报 {notices} 次 = {score}",
    ),
    "assess.completion_title": ("Completion: each assignment's points", "完成情况：各项指标得分"),
    "assess.months_title": ("Monthly reports", "月报报送"),
    "assess.notice_line": (
        "named in notice {number} for {month} (its notice {count} this year)",
        "被 {number}（{month}）通报（本年度第 {count} 次）",
    ),
    "col.rank": ("Rank", "名次"),
    "col.completion": ("Completion", "完成率"),
    "col.timeliness": ("Timeliness", "及时率"),
    "col.reports": ("On time/late/missing", "按时/逾期/未报"),
    "col.notices": ("Notices", "通报"),
    "col.score": ("Score", "得分"),
    "col.grade": ("Grade", "等次"),
    "col.counted": ("Counted", "计分进度"),
    "col.points": ("Points", "得分"),
    "export.needs_table": (
        "--format csv exports one table: give --table ({tables})",
        "--format csv 一次导出一张表：请用 --table 指定（{tables}）",
    ),
    "export.unknown_table": ("unknown table {table!r}: choose one of {tables}", "未知的表 {table!r}：可选 {tables}"),
    "export.xlsx_needs_out": (
        "an XLSX workbook is binary: give --out FILE.xlsx, or redirect stdout to a file",
        "XLSX 工作簿是二进制文件：请用 --out FILE.xlsx，或把标准输出重定向到文件",
    ),
    "export.written": ("wrote {path}: the {year} plan year as of {as_of}", "已写入 {path}：{year} 年度，截至 {as_of}"),
    "export.sheet_plan": ("plan", "计划分解"),
    "export.sheet_status": ("status", "进展情况"),
    "export.sheet_filings": ("filings", "月报报送"),
    "export.sheet_assessment": ("assessment", "年度考核"),
    "export.sheet_entries": ("entries", "填报记录"),
    "export.sheet_notices": ("notices", "通报"),
    "backup.done": (
        "backed up to {path}: {entries} entries, plan years {years}; integrity check ok",
        "已备份到 {path}：{entries} 条填报，计划年度 {years}；完整性检查通过",
    ),
    "backup.not_sqlite": (
        "backup copies a SQLite file; back up a PostgreSQL server with pg_dump",
        "backup 只复制 SQLite 文件；PostgreSQL 请使用 pg_dump 备份",
    ),
    "backup.exists": ("{path} exists already: choose a new file name", "{path} 已存在：请换一个文件名"),
    "backup.corrupt": (
        "the copy failed its integrity check ({reason}); nothing was kept",
        "副本未通过完整性检查（{reason}），未保留",
    ),
    # --- the database ---
    "db.missing": ("no database at {db}: run `ecotrack init` first", "{db} 处没有数据库：请先运行 `ecotrack init`"),
    "db.not_initialised": (
        "{db} has no ecotrack schema: run `ecotrack init`",
        "{db} 不是 ecotrack 数据库：请运行 `ecotrack init`",
    ),
    "db.needs_upgrade": (
        "{db} is at an older schema ({revision}): run `ecotrack init` to upgrade it (a backup is taken)",
        "{db} 的结构版本较旧（{revision}）：请运行 `ecotrack init` 升级（会先备份）",
    ),
    "db.newer": (
        "{db} was written by a newer ecotrack (schema {revision}): upgrade ecotrack",
        "{db} 由更新版本的 ecotrack 写入（结构 {revision}）：请升级 ecotrack",
    ),
    "db.no_plan": (
        "{db} holds no plan yet: run `ecotrack init` or `ecotrack plan load`",
        "{db} 中还没有计划：请运行 `ecotrack init` 或 `ecotrack plan load`",
    ),
    "db.no_such_year": (
        "no plan for {year} in the database (loaded: {years})",
        "数据库中没有 {year} 年度计划（已载入：{years}）",
    ),
    "db.read_only": (
        "cannot write to {db}: the file is read-only; nothing was changed",
        "无法写入 {db}：文件只读，未做任何修改",
    ),
    "db.folder_read_only": (
        "cannot write to {db}: its folder {folder} is read-only, and SQLite keeps its "
        "journal beside the file; nothing was changed",
        "无法写入 {db}：所在文件夹 {folder} 只读，而 SQLite 需要在旁边写日志文件；未做任何修改",
    ),
    "db.disk_full": (
        "cannot write to {db}: the disk is full; nothing was changed",
        "无法写入 {db}：磁盘已满，未做任何修改",
    ),
    "db.cannot_open": ("cannot open the database {db}", "无法打开数据库 {db}"),
    "db.locked": (
        "{db} stayed busy with other writers; nothing was changed, try again",
        "{db} 一直被其他填报占用，未做任何修改，请重试",
    ),
    "db.corrupt": ("{db} is not an ecotrack database, or is damaged", "{db} 不是 ecotrack 数据库，或已损坏"),
    "db.failed": ("database {db}: {reason}", "数据库 {db}：{reason}"),
    "db.foreign_keys_broken": (
        "the upgrade left {count} broken references; it was rolled back",
        "升级后有 {count} 处引用错误，已回滚",
    ),
    # --- plan sync ---
    "sync.refused": (
        "plan year {year} was not reloaded: it would drop filed data",
        "{year} 年度计划未重新载入：否则会丢失已填报的数据",
    ),
    "sync.refused_hint": (
        "Keep these targets and assignments in the plan file, or load the change as a new plan year.",
        "请在计划文件中保留这些指标和分解，或作为新的计划年度载入。",
    ),
    "sync.would_remove_assignment": (
        "target {target} of {unit} has {entries} entries; the plan file drops it",
        "{unit} 的指标 {target} 已有 {entries} 条填报，但计划文件删除了它",
    ),
    "sync.would_remove_named_unit": (
        "unit {unit} is named in {notices} notices; the plan file drops it",
        "单位 {unit} 已被通报 {notices} 次，但计划文件删除了它",
    ),
    "sync.would_retype": (
        "target {target} has {entries} entries; the plan file changes its type from {old} to {new}",
        "指标 {target} 已有 {entries} 条填报，但计划文件把类型从 {old} 改为 {new}",
    ),
    "plan.valid": (
        "{path}: valid: {units} units, {tasks} tasks, {targets} targets, {assignments} assignments",
        "{path}：有效：{units} 个单位、{tasks} 项任务、{targets} 个指标、{assignments} 项分解",
    ),
}
