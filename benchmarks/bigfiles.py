"""Peak memory and time of `import` on large and hostile files: is every resource bounded?

    .venv/bin/python benchmarks/bigfiles.py [--csv-mb 100] [--keep DIR] [--skip-import]

Measures, through the installed `ecotrack` run in a child process:
- `import --dry-run` and `import` of a generated CSV of `--csv-mb` megabytes (default 100: ten years of
  a city's forms in one file), with Chinese notes on every row and many corrections;
- `import --dry-run` of a 5 KB XLSX declaring `A1:XFD1048576` with one row at 1048576;
- `import --dry-run` of a small XLSX declaring 5 million shared strings (refused).

Prints the wall time and the peak memory (max RSS) of each. Nothing here asserts: figures go into the
closing notes, never into tests.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from citysize import measure_once, write_plan

NOTES = ["完成道路绿化工程", "新增污水管网", "已按整改要求补报", "河道清淤进度滞后，正在加紧施工", "按月完成"]


def write_big_csv(path: Path, assignments: list[tuple[str, str, float, float, bool]], megabytes: int) -> int:
    """Rows for the plan's assignments, month after month and year after year, until the file is big."""
    rng = random.Random(5)
    limit = megabytes * 1_000_000
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["单位", "指标", "月份", "完成值", "备注", "填报人", "填报日期"])
        while stream.tell() < limit:
            month = rng.randint(1, 12)
            unit, target, baseline, amount, milestone = rng.choice(assignments)
            share = min(1.0, month / 12 * rng.uniform(0.8, 1.15))
            value = float(share >= 0.75) if milestone else round(baseline + share * (amount - baseline), 1)
            filed = f"{2012 + month // 12}-{month % 12 + 1:02d}-{rng.randint(1, 28):02d} {rng.randint(8, 18):02d}:00"
            note = f"{rng.choice(NOTES)}，第{rows}次填报"
            writer.writerow([unit, target, f"2012-{month:02d}", f"{value:g}", note, f"填报员{rows % 97}", filed])
            rows += 1
    return rows


def write_declared_million_rows(path: Path) -> None:
    """5 KB: a sheet whose dimension claims every cell, with the header at 1 and one row at 1,048,576."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>unit</t></is></c><c r="B1" t="inlineStr"><is><t>target</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>period</t></is></c><c r="D1" t="inlineStr"><is><t>value</t></is></c></row>'
        '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>town000</t></is></c>'
        '<c r="B1048576" t="inlineStr"><is><t>1.2</t></is></c>'
        '<c r="C1048576" t="inlineStr"><is><t>2012-03</t></is></c><c r="D1048576"><v>3</v></c></row>'
        "</sheetData></worksheet>"
    )
    _write_xlsx(path, sheet)


def write_many_shared_strings(path: Path, count: int) -> None:
    strings = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">'
        + "<si><t/></si>" * count
        + "</sst>"
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    )
    _write_xlsx(path, sheet, strings)


def _write_xlsx(path: Path, sheet: str, shared_strings: str | None = None) -> None:
    ns = "http://schemas.openxmlformats.org/"
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Types xmlns="{ns}package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if shared_strings
            else ""
        )
        + "</Types>"
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}spreadsheetml/2006/main" '
        f'xmlns:r="{ns}officeDocument/2006/relationships"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        + (
            f'<Relationship Id="rId2" Type="{ns}officeDocument/2006/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            if shared_strings
            else ""
        )
        + "</Relationships>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared_strings:
            archive.writestr("xl/sharedStrings.xml", shared_strings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv-mb", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--skip-import", action="store_true", help="measure the dry run only")
    options = parser.parse_args()
    work = options.keep or Path(tempfile.mkdtemp(prefix="ecotrack-bigfiles-"))
    work.mkdir(parents=True, exist_ok=True)
    assignments = write_plan(work / "tasks.yaml", 120, 200)
    big = work / "big.csv"
    rows = write_big_csv(big, assignments, options.csv_mb)
    write_declared_million_rows(work / "million.xlsx")
    write_many_shared_strings(work / "strings.xlsx", 5_000_000)
    env = {
        "ECOTRACK_PLAN": str(work / "tasks.yaml"),
        "ECOTRACK_DB": str(work / "data" / "big.db"),
        "ECOTRACK_LANG": "en",
    }
    measure_once(["init"], env, work)
    print(f"CSV: {rows:,} rows, {big.stat().st_size / 2**20:.1f} MiB")
    print(f"{'case':<44}  {'exit':>4}  {'seconds':>8}  {'peak MiB':>9}")
    cases = {  # the sheets first, on the empty database
        "import --dry-run million.xlsx (5 KB)": ["import", "--dry-run", "million.xlsx"],
        "import --dry-run strings.xlsx (5M strings)": ["import", "--dry-run", "strings.xlsx"],
        f"import --dry-run big.csv ({options.csv_mb} MB)": ["import", "--dry-run", "big.csv"],
        **({} if options.skip_import else {f"import big.csv ({options.csv_mb} MB)": ["import", "big.csv"]}),
    }
    for name, args in cases.items():
        code, seconds, mebibytes, stderr = measure_once(args, env, work)
        print(f"{name:<44}  {code:>4}  {seconds:>8.1f}  {mebibytes:>9.1f}")
        if code not in (0, 1, 2) or "Traceback" in stderr:
            print(stderr[-2000:])
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
