"""Read a workbook's bytes into plain grids of cell values with merged ranges, refusing what is not safe."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import python_calamine

from etl.issues import FileRejected
from etl.limits import sheet_limits

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024


class ExcelError(str):
    """A cell holding an Excel error value (#REF!, #DIV/0!, …): calamine reads these as empty, which would
    silently load as 0, so the reader marks them and the converters refuse them."""


@dataclass
class Grid:
    """One sheet: rows of cell values (0-based, absolute positions) and merged ranges."""

    name: str
    rows: list[list]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    hidden: bool = False  # hidden or "very hidden" in Excel: a clerk may not know it is there
    uncached: list[tuple[int, int]] = field(default_factory=list)  # formula cells saved without a computed value

    def value(self, r: int, c: int):
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return ""

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def check_container(data: bytes, *, max_file_mb: float = 20, max_expanded_mb: float = 200) -> str:
    """Say what kind of workbook this is ('xlsx' or 'xls') or reject it with a Chinese reason."""
    if len(data) > max_file_mb * MB:
        raise FileRejected(
            "file_too_large",
            f"文件大小 {len(data) / MB:.1f} MB，超过上限 {max_file_mb:g} MB。"
            "请删除无关工作表、图片后另存为 .xlsx 再上传。",
        )
    if data.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                expanded = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise FileRejected(
                "not_a_workbook", "文件已损坏或不是 Excel 工作簿，无法读取。请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
            ) from None
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise FileRejected(
                "not_a_workbook",
                "这个文件不是 Excel 工作簿（可能是 Word 文档或压缩包）。请上传 .xlsx、.xlsm 或 .xls 格式的报表。",
            )
        if expanded > max_expanded_mb * MB:
            raise FileRejected(
                "expanded_too_large",
                f"工作簿解压后达 {expanded / MB:.0f} MB，超过上限 {max_expanded_mb:g} MB，"
                "可能含有大量空白格式行。请只保留报表区域后另存再上传。",
            )
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data:
            raise FileRejected(
                "encrypted",
                "工作簿设置了打开密码，系统无法读取。请在 Excel/WPS 中取消密码（文件→信息→保护工作簿）后再上传。",
            )
        return "xls"
    raise FileRejected(
        "not_a_workbook", "这个文件不是 Excel 工作簿（无论扩展名是什么）。请上传 .xlsx、.xlsm 或 .xls 格式的报表。"
    )


def read_grids(data: bytes, **limits) -> dict[str, Grid]:
    """All sheets of a workbook as grids. Formulas give their cached values; macros are never run.

    The file is scanned first (etl/xlsx_scan.py, etl/xls_scan.py): real decompressed sizes, safe XML and each
    sheet's true extent are checked before calamine builds a dense grid, so no file can exhaust memory.
    """
    kind = check_container(data, **limits)
    bounds = sheet_limits()
    try:
        if kind == "xlsx":
            from etl.xlsx_scan import scan_xlsx

            scans = scan_xlsx(data, bounds, max_expanded_mb=limits.get("max_expanded_mb", 200))
        else:
            from etl.xls_scan import scan_xls

            scan_xls(data, bounds)
            scans = {}
    except FileRejected:
        raise
    except Exception:  # a structure the scan did not foresee is still hostile input, never a crash
        raise FileRejected(
            "unreadable", "无法读取这个工作簿（文件结构异常或已损坏）。请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
        ) from None
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        hidden = {m.name for m in workbook.sheets_metadata if m.visible != python_calamine.SheetVisibleEnum.Visible}
        worksheets = {m.name for m in workbook.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet}
    except Exception as exc:  # calamine raises its own error types for damaged or protected files
        text = str(exc).lower()
        if "password" in text or "encrypt" in text:
            raise FileRejected("encrypted", "工作簿设置了密码，系统无法读取。请取消密码后再上传。") from exc
        raise FileRejected(
            "unreadable", "无法读取这个工作簿（文件可能已损坏）。请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
        ) from exc
    grids = {}
    for name in workbook.sheet_names:
        if kind == "xlsx" and name not in scans:
            if name in worksheets:  # a worksheet whose part the scan could not find: its size is unknown
                raise FileRejected(
                    "unreadable",
                    f"“{name}”工作表的存储位置异常，系统无法确认其大小，拒绝读取。"
                    "请用 Excel/WPS 打开后另存为 .xlsx 再上传。",
                    sheet=name,
                )
            continue  # chart sheets and dialog sheets have no grid
        try:
            sheet = workbook.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)
            merged = [(a[0], a[1], b[0], b[1]) for a, b in (sheet.merged_cell_ranges or [])]
        except Exception:
            # chart sheets and other non-grid sheets are ignored
            continue
        rows = [list(r) for r in values]
        scan = scans.get(name)
        for (r, c), code in scan.errors.items() if scan else ():
            if r < len(rows) and c < len(rows[r]):
                rows[r][c] = ExcelError(code)
        grids[name] = Grid(
            name=name, rows=rows, merged=merged, hidden=name in hidden, uncached=scan.uncached if scan else []
        )
    return grids
