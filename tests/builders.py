"""Small workbooks for the foundation tests, built in memory.

- valid rows for every sheet of forms.md (each passes every error AND warning rule on its own);
- `form_workbook`: a filled workbook written by etl/template.py from the form definition;
- `grid_workbook`: a free-form .xlsx (openpyxl) for layout variants the template never writes;
- `xls_workbook`: a real legacy .xls (BIFF8 inside an OLE2 compound file), written by the minimal writer
  below because no maintained .xls writer exists (xlwt is unmaintained); xlrd and calamine both read it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile

import openpyxl
from openpyxl.utils import get_column_letter

from etl.formdefs import Sheet, load_form
from etl.template import write_workbook

PERIOD = "2025-03"
TODAY = dt.date(2025, 4, 15)  # "today" for check()/ingest(): PERIOD is last month

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(region_code: str, body: str = "MA0000001") -> str:
    """A unified social credit code with a correct GB 32100-2015 check character (weights 3^i mod 31)."""
    first17 = "91" + region_code + body
    total = sum(CREDIT_CHARS.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


# ------------------------------------------------------------------ valid rows (one per sheet)

PARTS = ("enterprise", "township", "arbitration", "chamber", "other")


def a1_row(code: str, name: str = "", *, scale: int = 1, **over) -> dict:
    """调解情况: 10 accepted (4+3+2+1+0), 8 closed, 6 succeeded (2+2+1+1+0), all relations hold."""
    row = {
        "region_name": name,
        "region_code": code,
        "closed_total": 8 * scale,
        "workers": 30 * scale,
        "amount_wan": 12.5 * scale,
        "collective_cases": 1 * scale,
        "collective_workers": 12 * scale,
        "court_entrusted": 2 * scale,
        "online_accepted": 3 * scale,
        "arbitration_review": 1 * scale,
        "judicial_confirmation": 1 * scale,
        "arbitration_filed": 5 * scale,
    }
    for part, acc, suc in zip(PARTS, (4, 3, 2, 1, 0), (2, 2, 1, 1, 0)):
        row[f"accepted_{part}"] = acc * scale
        row[f"succeeded_{part}"] = suc * scale
    row["accepted_total"] = 10 * scale
    row["succeeded_total"] = 6 * scale
    row.update(over)
    return row


def a2_row(code: str, name: str = "", **over) -> dict:
    row = {
        "region_name": name,
        "region_code": code,
        "industry": "C",
        "accepted": 10,
        "succeeded": 6,
        "collective_cases": 1,
        "workers": 20,
    }
    row.update(over)
    return row


def a3_row(code: str, name: str = "", **over) -> dict:
    row = {
        "region_name": name,
        "region_code": code,
        "occurred_on": dt.date(2025, 3, 5),
        "employer": "吉林省测试建筑有限公司",
        "credit_code": credit_code(code),
        "industry": "E",
        "workers": 35,
        "amount_wan": 50.0,
        "dispute_type": "劳动报酬",
        "escalated": False,
        "status": "处置中",
        "resolved_on": None,
        "notes": "已进驻调解",
    }
    row.update(over)
    return row


def a4_row(code: str, name: str = "", **over) -> dict:
    row = {
        "region_name": name,
        "region_code": code,
        "found_on": dt.date(2025, 3, 6),
        "employer": "吉林省测试商贸有限公司",
        "credit_code": credit_code(code, "MA0000002"),
        "industry": "F",
        "risk_type": "拖欠工资",
        "workers": 40,
        "amount_wan": 20.0,
        "level": "橙",
        "owner": "县人社局劳动保障监察大队",
        "status": "处置中",
        "closed_on": None,
    }
    row.update(over)
    return row


def b1_row(code: str, name: str = "", *, townships: int = 0, **over) -> dict:
    """组织建设: every 已建 ≤ its base, 10 + 20 = 30 mediators, 25 rostered. townships: pass the region's
    reference (streets + towns + townships of regions.csv) to stay clear of the B1_TOWNSHIPS_REF warning."""
    row = {
        "region_name": name,
        "region_code": code,
        "above_scale_enterprises": 20,
        "above_scale_with_committee": 15,
        "union_100_enterprises": 10,
        "union_100_with_committee": 8,
        "joint_committees": 2,
        "parks": 3,
        "parks_with_org": 2,
        "small_firm_liaisons": 5,
        "townships": townships,
        "township_centers": min(townships, 10),
        "township_windows": min(townships, 11),
        "arbitration_courts": 1,
        "arbitration_with_center": 1,
        "arbitration_in_hub": 1,
        "legal_stations": 2,
        "chambers": 6,
        "chambers_with_org": 3,
        "mediators": 30,
        "mediators_fulltime": 10,
        "mediators_parttime": 20,
        "mediators_rostered": 25,
        "trained": 40,
    }
    row.update(over)
    return row


def c1_row(code: str, task_id: str = "T-01", name: str = "", **over) -> dict:
    row = {
        "task_id": task_id,
        "region_name": name,
        "region_code": code,
        "task": "推进乡镇（街道）调解中心实体化建设",
        "category": "乡镇（街道）调解中心建设",
        "lead_unit": "县人社局",
        "responsible_unit": "各乡镇（街道）",
        "task_force_lead": "张伟（科长）",
        "playbook": "《乡镇（街道）调解中心标准化建设模板》",
        "target_value": 10,
        "done_value": 5,
        "due_on": dt.date(2025, 12, 31),
        "step": 2,
        "progress": "按计划推进",
        "closed_on": None,
        "evidence": None,
    }
    row.update(over)
    return row


# ------------------------------------------------------------------ workbooks


def form_workbook(form_code: str, data: dict[str, list[dict]], *, period: str | None = PERIOD, unit=None) -> bytes:
    """A filled workbook written from the form definition (title, 填报单位/统计期 row, two-level header)."""
    return write_workbook(load_form(form_code), period=period, unit=unit, data=data)


def grid_workbook(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A free-form .xlsx: rows of raw cell values per sheet, plus merged ranges ('A1:F1')."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is not None and value != "":
                    ws.cell(r, c, value)
        for ref in (merges or {}).get(name, []):
            ws.merge_cells(ref)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def header_rows(
    sheet: Sheet, keys: list[str] | None = None, *, text=None, merge: bool = True, first_row: int = 3
) -> tuple[list[list], list[str]]:
    """The header rows of a sheet as a clerk's file has them, columns in the order of keys.

    text(col) -> (level1, level2) may rewrite the header texts. Two-level when any column has a sub.
    Returns (rows, merged ranges); merge=False leaves level-1 texts unmerged (written once, left-most).
    """
    cols = [sheet.column(k) for k in (keys or [c.key for c in sheet.columns])]
    texts = [text(c) if text else (c.header, c.sub) for c in cols]
    two_level = any(sub for _, sub in texts)
    if not two_level:
        return [[h for h, _ in texts]], []
    top, bottom, merges = [], [], []
    c = 0
    while c < len(cols):
        head, sub = texts[c]
        end = c
        if sub:
            while end + 1 < len(cols) and texts[end + 1][1] and texts[end + 1][0] == head:
                end += 1
        for k in range(c, end + 1):
            top.append(head if k == c else "")
            bottom.append(texts[k][1] or "")
        letter0, letter1 = get_column_letter(c + 1), get_column_letter(end + 1)
        if sub and end > c and merge:
            merges.append(f"{letter0}{first_row}:{letter1}{first_row}")
        if not sub and merge:
            merges.append(f"{letter0}{first_row}:{letter0}{first_row + 1}")
        c = end + 1
    return [top, bottom], merges


def _clerk_value(value):
    """What a clerk types: 是/否 for flags (a Python bool would become an Excel TRUE/FALSE cell)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def sheet_grid(
    sheet: Sheet,
    rows: list[dict],
    keys: list[str] | None = None,
    *,
    title: str | None = None,
    meta: list | None = None,
    text=None,
    merge: bool = True,
    notes: list[list] = (),
) -> tuple[list[list], list[str]]:
    """A whole sheet: title row, 填报单位/统计期 row, header, data rows (raw values by key), notes rows."""
    keys = keys or [c.key for c in sheet.columns]
    meta = meta if meta is not None else ["填报单位：通化市人力资源和社会保障局", "", "", "统计期：2025年3月"]
    head, merges = header_rows(sheet, keys, text=text, merge=merge)
    grid = [[title if title is not None else sheet.title], meta, *head]
    grid += [[_clerk_value(row.get(k)) for k in keys] for row in rows]
    grid += [list(n) for n in notes]
    return grid, merges


# ------------------------------------------------------------------ legacy .xls (BIFF8 in OLE2)


def _rec(rtype: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(data)) + data


def _bof(kind: int) -> bytes:
    return _rec(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def _biff8(sheets: dict[str, tuple[list[list], list[tuple[int, int, int, int]]]]) -> bytes:
    """Workbook stream: globals (BOF, CODEPAGE, BOUNDSHEET8, SST, EOF) + one substream per sheet
    (BOF, DIMENSIONS, NUMBER/LABELSST cells, MERGEDCELLS, EOF). Strings are UTF-16 in the SST."""
    strings: list[str] = []
    index: dict[str, int] = {}
    bodies = []
    for rows, merges in sheets.values():
        recs = [_bof(0x0010), _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, max(map(len, rows), default=0), 0))]
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    if value not in index:
                        index[value] = len(strings)
                        strings.append(value)
                    recs.append(_rec(0x00FD, struct.pack("<HHHI", r, c, 0, index[value])))
                else:
                    recs.append(_rec(0x0203, struct.pack("<HHHd", r, c, 0, float(value))))
        if merges:
            refs = b"".join(struct.pack("<HHHH", r0, r1, c0, c1) for r0, c0, r1, c1 in merges)
            recs.append(_rec(0x00E5, struct.pack("<H", len(merges)) + refs))
        recs.append(_rec(0x000A))
        bodies.append(b"".join(recs))
    sst = struct.pack("<II", len(strings), len(strings)) + b"".join(
        struct.pack("<HB", len(s), 1) + s.encode("utf-16-le") for s in strings
    )

    def globals_(offsets: list[int]) -> bytes:
        out = [_bof(0x0005), _rec(0x0042, struct.pack("<H", 1200))]
        for name, offset in zip(sheets, offsets):
            out.append(_rec(0x0085, struct.pack("<IBBBB", offset, 0, 0, len(name), 1) + name.encode("utf-16-le")))
        out += [_rec(0x00FC, sst), _rec(0x000A)]
        return b"".join(out)

    offset, offsets = len(globals_([0] * len(bodies))), []
    for body in bodies:
        offsets.append(offset)
        offset += len(body)
    return globals_(offsets) + b"".join(bodies)


def _ole(stream: bytes, name: str = "Workbook") -> bytes:
    """A version-3 compound file holding one stream (≥ 4096 bytes, so no mini stream is needed)."""
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\x00")
    sectors = len(stream) // 512
    assert sectors + 2 <= 128, "one FAT sector only"
    fat = [0xFFFFFFFD] + [i + 2 for i in range(sectors - 1)] + [0xFFFFFFFE, 0xFFFFFFFE]
    fat += [0xFFFFFFFF] * (128 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<9I", 0, 1, sectors + 1, 0, 0x1000, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", 0xFFFFFFFF) * 108
    )

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = entry_name.encode("utf-16-le") + b"\x00\x00" if entry_name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1 if kind else 0)
            + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, 0xFFFFFFFE, 0)
        + entry(name, 2, 0xFFFFFFFF, 1, len(stream))
        + entry("", 0, 0xFFFFFFFF, 0, 0) * 2
    )
    return header + struct.pack("<128I", *fat) + stream + directory


def _range(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    c0, r0, c1, r1 = range_boundaries(ref)
    return r0 - 1, c0 - 1, r1 - 1, c1 - 1


def xls_workbook(sheets: dict[str, list[list]], merges: dict[str, list[str]] | None = None) -> bytes:
    """A legacy .xls with text and number cells and merged ranges (dates: write Excel serial numbers)."""
    return _ole(
        _biff8({name: (rows, [_range(m) for m in (merges or {}).get(name, [])]) for name, rows in sheets.items()})
    )


def ole_with_stream(name: str) -> bytes:
    """An OLE2 file with one stream of that name (e.g. EncryptedPackage: what Excel writes for a password)."""
    return _ole(b"\x00" * 4096, name)


def with_stored_number(content: bytes, cell: str, stored: str, sheet: int = 1) -> bytes:
    """The workbook with one numeric cell's stored text replaced (<v>NaN</v>, <v>1e300</v>): what a program
    writing the XML itself may leave, and no spreadsheet application would."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == f"xl/worksheets/sheet{sheet}.xml":
                changed = re.sub(
                    rb'<c r="%s"[^>]*?(?:/>|>.*?</c>)' % cell.encode(),
                    b'<c r="%s"><v>%s</v></c>' % (cell.encode(), stored.encode()),
                    data,
                    count=1,
                )
                assert changed != data, f"no cell {cell} in sheet {sheet}"
                data = changed
            target.writestr(item, data)
    return out.getvalue()
