"""Grids → typed rows with cell-precise issues: header detection, column matching, regions, period."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from etl import cells
from etl.cells import as_text, is_blank, normalise
from etl.formdefs import Column, Form, Sheet, all_forms, strip_unit
from etl.issues import CellError, Issue, cell_ref, col_letter
from etl.reader import ExcelError, Grid
from etl.regions import OLD_CODES, Region, RegionIndex, read_industries

NOTE_PREFIXES = (
    "填表说明",
    "填报说明",
    "填报人",
    "审核人",
    "联系电话",
    "填报日期",
    "注：",
    "注:",
    "说明：",
    "单位负责人",
    "制表人",
    "备注：",
)
NOTE_PREFIXES_FOLDED = tuple(normalise(p) for p in NOTE_PREFIXES)  # what _is_note_row compares with, folded once
HEADER_SCAN_ROWS = 25
CITY_SELF = ("本级", "市本级", "州本级", "市直", "盟本级")


@dataclass
class ParsedRow:
    """One data row: typed values by column key, and the A1 cell of each key for messages."""

    row: int  # 0-based
    values: dict[str, Any]
    cells: dict[str, str]
    label: str
    region: Region | None = None

    @property
    def excel_row(self) -> int:
        return self.row + 1


@dataclass
class ParsedSheet:
    definition: Sheet
    grid_name: str
    columns: dict[str, int]
    rows: list[ParsedRow] = field(default_factory=list)
    subtotals: list[ParsedRow] = field(default_factory=list)

    def cell(self, row: ParsedRow, key: str) -> str | None:
        if key in self.columns:
            return f"{col_letter(self.columns[key])}{row.excel_row}"
        return None


@dataclass
class ParsedFile:
    """A workbook read against one form: typed rows, period, issues (errors and warnings)."""

    form: Form | None
    period: str | None = None
    period_sheet: str | None = None
    period_cell: str | None = None
    unit_text: str = ""
    sheets: dict[str, ParsedSheet] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def region_codes(self) -> set[str]:
        return {r.values["region_code"] for s in self.sheets.values() for r in s.rows if r.values.get("region_code")}

    def row_counts(self) -> dict[str, int]:
        return {s.grid_name: len(s.rows) for s in self.sheets.values()}


def issue_at(
    level: str,
    code: str,
    sheet: str,
    row0: int | None,
    col0: int | None,
    key: str | None,
    what: str,
    fix: str = "",
    context: str = "",
) -> Issue:
    """An issue with the location spelled out in the message, so a clerk can find the cell."""
    cell = cell_ref(row0, col0) if row0 is not None and col0 is not None else None
    where = f"“{sheet}”工作表" + (f" {cell} 单元格" if cell else (f"第 {row0 + 1} 行" if row0 is not None else ""))
    text = f"{where}{('（' + context + '）') if context else ''}：{what}。{fix}".strip()
    return Issue(level, code, text, sheet=sheet, cell=cell, row=None if row0 is None else row0 + 1, column=key)


# ---------------------------------------------------------------- header detection


@lru_cache(maxsize=4096)
def _header_variants(text: str) -> frozenset[str]:
    return frozenset({normalise(text), normalise(strip_unit(text))})


_HEADS: dict[str, frozenset[str]] = {}


def _sheet_heads(sheet: Sheet) -> frozenset[str]:
    if sheet.table in _HEADS:
        return _HEADS[sheet.table]
    heads: set[str] = set()
    for col in sheet.columns:
        heads |= _header_variants(col.header)
        for alias in col.aliases:
            heads |= _header_variants(alias)
    _HEADS[sheet.table] = frozenset(heads)
    return _HEADS[sheet.table]


def _merged_fill(grid: Grid, r: int, c: int) -> object:
    value = grid.value(r, c)
    if not is_blank(value):
        return value
    for r0, c0, r1, c1 in grid.merged:
        if r0 <= r <= r1 and c0 <= c <= c1:
            return grid.value(r0, c0)
    return value


def header_score(sheet: Sheet, grid: Grid, r: int) -> int:
    if r >= len(grid.rows):
        return 0
    found: set[str] = set()
    for value in grid.rows[r]:
        if isinstance(value, str) and value:
            found |= _header_variants(value)
    return len(_sheet_heads(sheet) & found)


def find_header_row(sheet: Sheet, grid: Grid) -> int | None:
    best, best_row = 0, None
    for r in range(min(HEADER_SCAN_ROWS, len(grid.rows))):
        score = header_score(sheet, grid, r)
        if score > best:
            best, best_row = score, r
    needed = max(2, len({c.header for c in sheet.columns}) // 3)
    return best_row if best >= needed else None


def _match_column(sheet: Sheet, l1: str, l2: str) -> Column | None:
    """The column definition a (level-1, level-2) header pair names, after normalisation."""
    subs_in_sheet = [c for c in sheet.columns if c.sub]
    for col in sheet.columns:
        heads = _header_variants(col.header)
        for alias in col.aliases:
            heads |= _header_variants(alias)
        if col.sub:
            subs = _header_variants(col.sub)
            if l1 in heads and l2 in subs:
                return col
            if not l2 and any(l1 in {h + s for s in subs} for h in heads):
                return col
        elif l1 in heads and (not l2 or l2 == l1 or l2 in heads):
            return col
    # a single-level file may write a level-2 text alone (e.g. 规模以上企业数（家）) when it is unambiguous
    text = l2 or l1
    hits = [c for c in subs_in_sheet if text in _header_variants(c.sub)]
    if len(hits) == 1:
        return hits[0]
    return None


def map_columns(sheet: Sheet, grid: Grid, header_row: int, issues: list[Issue]) -> tuple[dict[str, int], int]:
    """Column key → column index, and the first data row; reports missing and extra columns."""
    width = grid.width
    level1 = [normalise(as_text(_merged_fill(grid, header_row, c))) for c in range(width)]
    level2_raw = [normalise(as_text(_merged_fill(grid, header_row + 1, c))) for c in range(width)]
    known_subs = set()
    for col in sheet.columns:
        if col.sub:
            known_subs |= _header_variants(col.sub)
    two_level = any(v in known_subs for v in level2_raw)
    level2 = level2_raw if two_level else [""] * width
    if two_level:
        last = ""
        for c in range(width):  # headers written without merging: carry the group name to the right
            if level1[c]:
                last = level1[c]
            elif level2[c]:
                level1[c] = last
    mapping: dict[str, int] = {}
    extras = []
    for c in range(width):
        l1, l2 = level1[c], (level2[c] if level2[c] != level1[c] else "")
        if not l1 and not l2:
            continue
        col = _match_column(sheet, l1, l2)
        if col is None:
            extras.append(
                (
                    c,
                    as_text(_merged_fill(grid, header_row, c))
                    + (("·" + as_text(grid.value(header_row + 1, c))) if l2 else ""),
                )
            )
        elif col.key in mapping:
            issues.append(
                issue_at(
                    "error",
                    "duplicate_column",
                    grid.name,
                    header_row,
                    c,
                    col.key,
                    f"“{col.title}”列出现了两次（另见 {col_letter(mapping[col.key])} 列）",
                    "请删除重复的列。",
                )
            )
        else:
            mapping[col.key] = c
    for col in sheet.columns:
        if col.key not in mapping and col.required:
            header = col.header + (f"·{col.sub}" if col.sub else "")
            issues.append(
                Issue(
                    "error",
                    "missing_column",
                    f"“{grid.name}”工作表缺少“{header}”列。请使用系统下载的模板，或补上这一列（表头文字须与模板一致）。",
                    sheet=grid.name,
                    cell=None,
                    row=header_row + 1,
                    column=col.key,
                )
            )
    if extras:
        names = "、".join(f"{col_letter(c)}列“{t}”" for c, t in extras)
        issues.append(
            Issue(
                "warning",
                "extra_columns",
                f"“{grid.name}”工作表有模板以外的列，已忽略：{names}。",
                sheet=grid.name,
                row=header_row + 1,
            )
        )
    return mapping, header_row + (2 if two_level else 1)


# ---------------------------------------------------------------- regions


class RegionResolver:
    """Names a row's region from its 地区/地区代码 cells, per forms.md 'Region rows'."""

    def __init__(self, index: RegionIndex, default_city: Region | None):
        self.index = index
        self.default_city = default_city

    def resolve(
        self,
        name_text: str,
        code_text: str,
        sheet: str,
        row0: int,
        name_col: int | None,
        code_col: int | None,
        issues: list[Issue],
    ) -> tuple[str, Region | None]:
        """Return ('subtotal'|'region'|'error', region)."""
        name = name_text.strip()
        folded = normalise(name)
        if name and self.index.is_subtotal_name(name) and not folded.endswith("本级"):
            return "subtotal", self.index.city_by_name(name)
        code = normalise(code_text)
        if code.endswith(".0"):
            code = code[:-2]
        if code:
            if code in OLD_CODES:
                new = OLD_CODES[code]
                issues.append(
                    issue_at(
                        "warning",
                        "old_region_code",
                        sheet,
                        row0,
                        code_col,
                        "region_code",
                        f"地区代码 {code} 是旧代码，已按 {new}（{self.index.get(new).name}）读取",
                        "请改用新代码。",
                    )
                )
                code = new
            region = self.index.get(code)
            if not re.fullmatch(r"\d{6}", code) or region is None or region.kind == "province":
                issues.append(
                    issue_at(
                        "error",
                        "unknown_region_code",
                        sheet,
                        row0,
                        code_col,
                        "region_code",
                        f"地区代码“{code_text}”不是吉林省的有效地区代码" + (f"（地区名称为“{name}”）" if name else ""),
                        "请按下载模板中的地区代码填写（6位数字），或清空代码只填地区名称。",
                    )
                )
                return "error", None
            if name and not self._name_fits(name, region):
                issues.append(
                    issue_at(
                        "error",
                        "region_mismatch",
                        sheet,
                        row0,
                        code_col,
                        "region_code",
                        f"地区代码 {code}（{region.name}）与地区名称“{name}”不一致",
                        "请核对地区名称和地区代码，改正填错的一项。",
                    )
                )
                return "error", None
            return "region", region
        if not folded:
            issues.append(
                issue_at(
                    "error",
                    "missing_region",
                    sheet,
                    row0,
                    name_col,
                    "region_name",
                    "这一行没有填写地区或地区代码",
                    "请填写地区名称或地区代码，空行请删除。",
                )
            )
            return "error", None
        if folded.endswith("本级") or folded in CITY_SELF:
            city_name = folded[: -len("本级")]
            city = self.index.city_by_name(city_name) if city_name not in ("", "市", "州", "盟") else self.default_city
            if city is None:
                issues.append(
                    issue_at(
                        "error",
                        "unknown_city_self",
                        sheet,
                        row0,
                        name_col,
                        "region_name",
                        f"“{name}”无法确定属于哪个市（州）",
                        "请在地区代码列填写本市（州）代码，或把地区写成“通化市本级”。",
                    )
                )
                return "error", None
            return "region", city
        matches = [r for r in self.index.by_name(name) if r.kind != "province"]
        if len(matches) > 1:
            issues.append(
                issue_at(
                    "error",
                    "ambiguous_region",
                    sheet,
                    row0,
                    name_col,
                    "region_name",
                    f"地区名称“{name}”对应多个地区（{'、'.join(m.name + m.code for m in matches)}）",
                    "请填写地区代码。",
                )
            )
            return "error", None
        if not matches:
            issues.append(
                issue_at(
                    "error",
                    "unknown_region",
                    sheet,
                    row0,
                    name_col,
                    "region_name",
                    f"地区“{name}”不在吉林省地区名录中",
                    "请按下载模板中的地区名称填写，或填写6位地区代码。",
                )
            )
            return "error", None
        return "region", matches[0]

    def _name_fits(self, name: str, region: Region) -> bool:
        folded = normalise(name)
        names = {normalise(n) for n in (region.name, *region.aliases)}
        if folded in names:
            return True
        if folded.endswith("本级") and region.is_city:
            stem = folded[: -len("本级")]
            return stem in ("", "市", "州", "盟") or stem in names
        return False


# ---------------------------------------------------------------- typed cells

INDUSTRIES = read_industries()
_INDUSTRY_BY_NAME = {normalise(name): code for code, name in INDUSTRIES.items()}


def to_industry(value: object) -> str | None:
    text = normalise(value)
    if not text:
        return None
    match = re.match(r"^([A-Ta-t])(?:[\s\-－—、.:：_]*)(.*)$", text)
    if match and (not match.group(2) or normalise(INDUSTRIES.get(match.group(1).upper(), "")) == match.group(2)):
        return match.group(1).upper()
    if text in _INDUSTRY_BY_NAME:
        return _INDUSTRY_BY_NAME[text]
    raise CellError(
        "unknown_industry",
        f"行业门类“{as_text(value)}”无法识别",
        "请填写国民经济行业分类门类代码 A–T（如 C）、名称（如 制造业）或“C 制造业”。",
    )


def convert(col: Column, raw: object) -> Any:
    """One cell → typed value by the column's type; raises CellError with a Chinese reason."""
    if isinstance(raw, ExcelError):
        raise CellError(
            "excel_error", f"单元格是 Excel 错误值“{raw}”（公式出错或引用失效）", "请修正公式，或直接填写数值。"
        )
    t = col.type
    if t == "int":
        value = cells.to_int(raw, empty_is_zero=col.counts_empty_as_zero, minimum=col.min if col.min is not None else 0)
    elif t == "decimal":
        value = cells.to_decimal(raw, empty_is_zero=col.counts_empty_as_zero)
    elif t == "number":
        value = cells.to_plain_number(raw)
    elif t == "rate":
        value = cells.to_rate_pct(raw)
    elif t == "date":
        value = cells.to_date(raw)
    elif t == "step":
        value = cells.to_step(raw)
    elif t == "yesno":
        value = cells.to_yesno(raw)
    elif t == "enum":
        value = cells.to_enum(raw, col.values)
    elif t == "industry":
        value = to_industry(raw)
    elif t == "credit_code":
        value = cells.to_credit_code(raw)
    else:
        value = as_text(raw) or None
    if value is None and not col.optional and t not in ("rate",):
        raise CellError("required_value", "不能为空", f"请填写“{col.title}”。")
    return value


# ---------------------------------------------------------------- sheets and files


def _is_note_row(values: list) -> bool:
    for value in values:
        text = as_text(value)
        if text:
            folded = normalise(text)
            return folded.startswith(NOTE_PREFIXES_FOLDED)
    return False


def parse_sheet(sheet: Sheet, grid: Grid, resolver: RegionResolver, issues: list[Issue]) -> ParsedSheet | None:
    header_row = find_header_row(sheet, grid)
    if header_row is None:
        issues.append(
            Issue(
                "error",
                "header_not_found",
                f"“{grid.name}”工作表找不到表头（应有“{sheet.columns[0].header}”“{sheet.columns[1].header}”等列）。"
                "请使用系统下载的模板，不要删除或改写表头行。",
                sheet=grid.name,
            )
        )
        return None
    columns, first_data = map_columns(sheet, grid, header_row, issues)
    if any(i.code in ("missing_column", "duplicate_column") and i.sheet == grid.name for i in issues):
        return ParsedSheet(sheet, grid.name, columns)
    parsed = ParsedSheet(sheet, grid.name, columns)
    name_col, code_col = columns.get("region_name"), columns.get("region_code")
    blank_rows: list[ParsedRow] = []
    for r in range(first_data, len(grid.rows)):
        raw = grid.rows[r]
        if all(is_blank(v) for v in raw):
            continue
        if _is_note_row(raw):
            break
        kind, region = resolver.resolve(
            as_text(grid.value(r, name_col)) if name_col is not None else "",
            as_text(grid.value(r, code_col)) if code_col is not None else "",
            grid.name,
            r,
            name_col,
            code_col,
            issues,
        )
        label = as_text(grid.value(r, name_col)) if name_col is not None else ""
        values: dict[str, Any] = {}
        refs: dict[str, str] = {}
        for col in sheet.columns:
            if col.is_region or col.type == "seq" or col.key not in columns:
                continue
            c = columns[col.key]
            refs[col.key] = cell_ref(r, c)
            try:
                values[col.key] = convert(col, grid.value(r, c))
            except CellError as err:
                if kind == "subtotal":
                    continue  # subtotal rows are only compared, never loaded
                issues.append(
                    issue_at(
                        "error",
                        err.code,
                        grid.name,
                        r,
                        c,
                        col.key,
                        err.what,
                        err.fix,
                        context=f"{label or (region.name if region else '')} · {col.title}",
                    )
                )
                values[col.key] = None
        if region is not None and kind == "region":
            values["region_code"] = region.code
            label = label or region.name
        row = ParsedRow(r, values, refs, label, region)
        if kind == "subtotal":
            parsed.subtotals.append(row)
        elif kind == "region":
            parsed.rows.append(row)
            if sheet.layout == "wide" and _all_figures_blank(sheet, grid, r, columns):
                blank_rows.append(row)
    _report_blank_rows(sheet, parsed, blank_rows, issues)
    return parsed


def _all_figures_blank(sheet: Sheet, grid: Grid, r: int, columns: dict[str, int]) -> bool:
    keys = [c.key for c in sheet.columns if c.type in ("int", "decimal") and c.key in columns]
    return bool(keys) and all(is_blank(grid.value(r, columns[k])) for k in keys)


def _report_blank_rows(sheet: Sheet, parsed: ParsedSheet, blank: list[ParsedRow], issues: list[Issue]) -> None:
    """A region row left entirely blank reads as zeros (forms.md), but an unfilled template must not
    overwrite real figures with zeros: all rows blank is an error, some rows blank a warning."""
    if not blank:
        return
    first = min(c for k, c in parsed.columns.items() if k not in ("region_name", "region_code"))
    if len(blank) == len(parsed.rows):
        issues.append(
            issue_at(
                "error",
                "sheet_blank",
                parsed.grid_name,
                blank[0].row,
                first,
                None,
                "所有地区行的数据均为空，这份报表似乎还没有填写",
                "请填写各地区数据后再上报（确实为 0 的请填 0）。",
            )
        )
        return
    for row in blank:
        issues.append(
            issue_at(
                "warning",
                "row_blank",
                parsed.grid_name,
                row.row,
                first,
                None,
                f"{row.region.name if row.region else row.label} 这一行数据全部为空，已按 0 处理",
                "如尚未填写，请补充后重新上报；确实为 0 的可忽略。",
            )
        )


def _find_labelled(grids: list[Grid], marker: str, limit_rows: int = 6) -> tuple[str, str, object] | None:
    """The first cell whose text contains marker (e.g. 统计期), its value after the colon or the next cell."""
    for grid in grids:
        for r in range(min(limit_rows, len(grid.rows))):
            row = grid.rows[r]
            for c, value in enumerate(row):
                text = as_text(value)
                folded = normalise(text)
                if marker in folded:
                    after = re.split(r"[:：]", text.replace("\u3000", " "), maxsplit=1)
                    segment = text[text.find(marker) :] if marker in text else text
                    rest = (
                        re.split(r"[:：]", segment, maxsplit=1)[1]
                        if len(re.split(r"[:：]", segment, maxsplit=1)) > 1
                        else ""
                    )
                    if not rest.strip():
                        for c2 in range(c + 1, len(row)):
                            if not is_blank(row[c2]):
                                return grid.name, cell_ref(r, c2), row[c2]
                    return (
                        grid.name,
                        cell_ref(r, c),
                        rest if marker != "填报单位" else (after[1] if len(after) > 1 else text),
                    )
    return None


def detect_form(grids: dict[str, Grid]) -> tuple[Form | None, dict[str, Grid]]:
    """The form whose required sheet names appear; else the form whose optional sheets appear by name (its
    main sheet, if renamed, found by headers, else reported missing); else the one whose headers fit best."""
    by_name = {normalise(n): g for n, g in grids.items()}

    def main_by_headers(form: Form, candidates) -> tuple[int, Grid | None]:
        main, best = form.required_sheets[0], (0, None)
        for grid in candidates:
            r = find_header_row(main, grid)
            if r is not None and header_score(main, grid, r) > best[0]:
                best = (header_score(main, grid, r), grid)
        return best

    def sheets_of(form: Form, main_grid: Grid | None) -> dict[str, Grid]:
        found = {s.name: by_name[normalise(s.name)] for s in form.sheets if normalise(s.name) in by_name}
        if main_grid is not None:
            found[form.required_sheets[0].name] = main_grid
        return {s.name: found[s.name] for s in form.sheets if s.name in found}

    for form in all_forms():
        if any(normalise(s.name) in by_name for s in form.required_sheets):
            return form, sheets_of(form, None)
    for form in all_forms():
        own = {normalise(s.name) for s in form.sheets}
        if own & set(by_name):  # e.g. 分行业 without 调解情况: never read 分行业 as the main sheet
            return form, sheets_of(
                form, main_by_headers(form, [g for g in grids.values() if normalise(g.name) not in own])[1]
            )
    best = (0, None, None)
    for form in all_forms():
        score, grid = main_by_headers(form, grids.values())
        if score > best[0]:
            best = (score, form, grid)
    if best[1] is not None:
        return best[1], sheets_of(best[1], best[2])
    return None, {}


def sheet_choice_issues(form: Form, grids: dict[str, Grid], matched: dict[str, Grid]) -> list[Issue]:
    """The sheet choice must never be silent: two sheets whose names differ only by spaces or width, or a
    hidden sheet read while a visible one has the same headers, are refused naming both; a hidden sheet read
    alone is a warning."""
    issues: list[Issue] = []
    groups: dict[str, list[str]] = {}
    for name in grids:
        groups.setdefault(normalise(name), []).append(name)
    for sheet in form.sheets:
        names = groups.get(normalise(sheet.name), [])
        if len(names) > 1:
            listed = "、".join(f"“{n}”" for n in names)
            issues.append(
                Issue(
                    "error",
                    "duplicate_sheet",
                    f"工作簿中有 {len(names)} 个名称几乎相同的工作表（{listed}，只差空格或全角/半角），"
                    f"无法确定哪一张是“{sheet.name}”。请删除或改名多余的工作表后再上传。",
                    sheet=names[0],
                )
            )
    chosen = {g.name for g in matched.values()}
    for sheet_name, grid in matched.items():
        if not grid.hidden:
            continue
        definition = form.sheet(sheet_name)
        rivals = [
            g.name
            for g in grids.values()
            if g.name not in chosen and not g.hidden and find_header_row(definition, g) is not None
        ]
        if rivals:
            issues.append(
                Issue(
                    "error",
                    "hidden_sheet",
                    f"“{grid.name}”工作表是隐藏的，而可见的“{rivals[0]}”工作表也是“{sheet_name}”的表格，无法确定上报哪一张。"
                    "请删除不用的那张（或取消隐藏并改名）后再上传。",
                    sheet=grid.name,
                )
            )
        else:
            issues.append(
                Issue(
                    "warning",
                    "hidden_sheet",
                    f"“{grid.name}”工作表是隐藏的，系统已按它读取数据。请确认隐藏的表就是要上报的数据"
                    "（在 Excel/WPS 中右键工作表标签→取消隐藏可查看）。",
                    sheet=grid.name,
                )
            )
    return issues


def uncached_formula_issue(matched: dict[str, Grid]) -> Issue | None:
    """One error for formulas saved without computed values (written by a program, never opened in Excel):
    their cells read as empty, which would otherwise surface as dozens of confusing sum errors."""
    found = [(g.name, r, c) for g in matched.values() for r, c in sorted(g.uncached)]
    if not found:
        return None
    sheet, r, c = found[0]
    more = f"等 {len(found)} 个单元格" if len(found) > 1 else ""
    return Issue(
        "error",
        "formula_no_value",
        f"公式没有计算结果，请在 Excel/WPS 中打开、保存后再上传（“{sheet}”工作表 {cell_ref(r, c)} 单元格{more}"
        "是没有保存计算结果的公式）。",
        sheet=sheet,
        cell=cell_ref(r, c),
        row=r + 1,
    )


def parse_workbook(
    grids: dict[str, Grid], index: RegionIndex, *, period: str | None = None, uploader_city: Region | None = None
) -> ParsedFile:
    """Read every sheet of the detected form into typed rows; collect all cell and structure issues."""
    form, matched = detect_form(grids)
    if form is None:
        expected = "、".join(f"“{s.name}”" for f in all_forms() for s in f.required_sheets)
        return ParsedFile(
            None,
            issues=[
                Issue(
                    "error",
                    "unknown_form",
                    f"无法识别报表类型：工作簿中没有 {expected} 工作表，表头也对不上任何一种报表。请使用系统下载的模板填报。",
                )
            ],
        )
    choice = sheet_choice_issues(form, grids, matched)
    formulas = uncached_formula_issue(matched)
    if formulas is not None or any(i.is_error for i in choice):
        return ParsedFile(form, issues=[i for i in choice if i.is_error] + ([formulas] if formulas else []))
    parsed = ParsedFile(form, issues=choice)
    ordered = list(matched.values())
    unit = _find_labelled(ordered, "填报单位")
    parsed.unit_text = as_text(unit[2]) if unit else ""
    default_city = uploader_city
    if parsed.unit_text:
        named = index.cities_in_text(parsed.unit_text)
        if len(named) == 1:
            default_city = named[0]
    resolver = RegionResolver(index, default_city)
    found = _find_labelled(ordered, "统计期")
    file_period = cells.to_period(found[2]) if found else None
    if found:
        parsed.period_sheet, parsed.period_cell = found[0], found[1]
    if found and file_period is None and (not period or cells.period_filled(found[2])):
        parsed.issues.append(
            Issue(
                "error",
                "bad_period",
                f"“{found[0]}”工作表 {found[1]} 单元格的统计期“{cells.shown(found[2])}”无法识别。"
                "请写成“统计期：2025年3月”。",
                sheet=found[0],
                cell=found[1],
                row=int(re.sub(r"\D", "", found[1])),
                column="period",
            )
        )
    if period and file_period and period != file_period:
        parsed.issues.append(
            Issue(
                "error",
                "period_conflict",
                f"上传时选择的统计期 {period} 与工作簿“{found[0]}”工作表 {found[1]} 单元格的统计期 {file_period} 不一致。"
                "请核对后改正工作簿或重新选择统计期。",
                sheet=found[0],
                cell=found[1],
                row=int(re.sub(r"\D", "", found[1])),
                column="period",
            )
        )
    parsed.period = period or file_period
    if parsed.period is None and not any(i.code == "bad_period" for i in parsed.issues):
        parsed.issues.append(
            Issue(
                "error",
                "missing_period",
                "工作簿中找不到统计期。请在表头上方写明“统计期：2025年3月”，或上传时选择统计期。",
                sheet=ordered[0].name if ordered else None,
                column="period",
            )
        )
    for sheet in form.sheets:
        grid = matched.get(sheet.name)
        if grid is None:
            if sheet.required:
                parsed.issues.append(
                    Issue(
                        "error",
                        "missing_sheet",
                        f"缺少必填工作表“{sheet.name}”。请使用系统下载的模板，不要删除或改名工作表。",
                        sheet=sheet.name,
                    )
                )
            continue
        result = parse_sheet(sheet, grid, resolver, parsed.issues)
        if result is not None:
            parsed.sheets[sheet.name] = result
    return parsed
