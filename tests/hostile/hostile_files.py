"""The hostile workbook generator: crafted files of every kind a clerk (or an attacker) might upload.

Every file is built here from the 通化 sample (tests/samples) or from nothing, in memory: xlsx parts are
rewritten as raw XML (far cells, DOCTYPE, formulas without values), zips are assembled by hand where the
declared sizes must lie. Nothing big is committed; the biggest file is about 2 MB.

Each Case says what `python -m etl ingest FILE --json` must answer: the accepted error codes when refused,
the sheet and cell the message must name (when the problem has one), or that the file may load.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Callable

from builders import _biff8, _ole, _rec, a1_row, form_workbook, ole_with_stream, xls_workbook
from conftest import SAMPLES

BASE_NAME = "通化市2025年3月劳动人事争议调解情况月报.xlsx"
MAIN = "调解情况"  # sheet1.xml of the sample
MAIN_PART = "xl/worksheets/sheet1.xml"
GB = 1024**3
MB = 1024**2
NOT_A_WORKBOOK = {"not_a_workbook", "unreadable"}


@dataclass
class Case:
    """One crafted file and what the ingest must say about it."""

    name: str
    build: Callable[[], bytes]  # built only when the suite runs (collection stays cheap)
    codes: set[str] | None = None  # accepted error codes when refused (None: any)
    sheet: str | None = None  # the sheet the refusal must name
    cell: str | None = None  # the cell the refusal must name
    may_load: bool = False  # hostile text that validation may accept (then it loads as a new version)
    tags: set[str] = field(default_factory=set)


def base() -> bytes:
    return (SAMPLES / BASE_NAME).read_bytes()


def rewrite(content: bytes, changes: dict[str, object], drop: tuple[str, ...] = ()) -> bytes:
    """The workbook with some parts replaced: bytes, or a function of the old bytes; new names are added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            body = src.read(info.filename)
            change = changes.get(info.filename)
            dst.writestr(info.filename, change(body) if callable(change) else (change if change is not None else body))
        for name, change in changes.items():
            if name not in src.namelist():
                dst.writestr(name, change if isinstance(change, bytes) else change(b""))
    return out.getvalue()


def add_rows(xml: bytes) -> bytes:
    """The sample with raw <row> XML appended to the main sheet's data."""
    return rewrite(base(), {MAIN_PART: lambda b: b.replace(b"</sheetData>", xml + b"</sheetData>")})


def with_cell(ref: str, raw_cell: bytes) -> bytes:
    """The sample with one cell's <c> replaced (keeping its position), e.g. a formula without value."""

    def change(body: bytes) -> bytes:
        start = body.index(f'<c r="{ref}"'.encode())
        end = (
            body.index(b"</c>", start) + 4
            if body.find(b"/>", start) > body.find(b"</c>", start)
            else body.index(b"/>", start) + 2
        )
        return body[:start] + raw_cell + body[end:]

    return rewrite(base(), {MAIN_PART: change})


def set_text(ref: str, text: str) -> bytes:
    """The sample with one main-sheet cell holding an inline string."""
    from xml.sax.saxutils import escape

    return with_cell(ref, f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'.encode())


def set_number(ref: str, literal: str) -> bytes:
    return with_cell(ref, f'<c r="{ref}"><v>{literal}</v></c>'.encode())


# ------------------------------------------------------------------ zips assembled by hand


def raw_zip(members: list[tuple[str, bytes, int, int, int]], flags: int = 0) -> bytes:
    """A zip from (name, stored bytes, method, crc, declared uncompressed size): nothing is checked."""
    local, central, offset = [], [], 0
    for name, stored, method, crc, declared in members:
        encoded = name.encode()
        header = (
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                flags | 0x800,
                method,
                0,
                0,
                crc,
                len(stored),
                declared,
                len(encoded),
                0,
            )
            + encoded
        )
        local.append(header + stored)
        central.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                20,
                flags | 0x800,
                method,
                0,
                0,
                crc,
                len(stored),
                declared,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
        offset += len(header) + len(stored)
    directory = b"".join(central)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(local) + directory + end


def deflated(body: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(body) + packer.flush()


def repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """A deflate stream of head + block×times + tail built without ever holding the expansion: after a full
    flush the compressor starts afresh, so every repeat of the block compresses to the same bytes.
    Returns (stream, crc, real size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    one = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    assert one == again
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    block_crc = crc
    for _ in range(times):  # crc of the whole expansion: 1,500 cheap calls over one 1 MB block
        block_crc = zlib.crc32(block, block_crc)
    crc = zlib.crc32(tail, block_crc)
    return first + one * times + last, crc, len(head) + len(block) * times + len(tail)


def sample_members(replace: dict[str, tuple[bytes, int, int, int]] | None = None) -> list:
    """The sample's parts as raw_zip members, some replaced by (stored, method, crc, declared)."""
    members = []
    with zipfile.ZipFile(io.BytesIO(base())) as src:
        for info in src.infolist():
            if replace and info.filename in replace:
                members.append((info.filename, *replace[info.filename]))
                continue
            body = src.read(info.filename)
            members.append((info.filename, deflated(body), 8, zlib.crc32(body), len(body)))
    return members


def bomb(part: str, *, real: int, declared: int | None) -> bytes:
    """The sample with one part expanding to `real` bytes of XML whitespace, declaring `declared` (None: honest)."""
    with zipfile.ZipFile(io.BytesIO(base())) as src:
        body = src.read(part)
    cut = body.rindex(b"<")  # pad before the closing tag: the part stays well-formed XML
    mb = 1024 * 1024
    stream, crc, size = repeated_deflate(body[:cut], b" " * mb, real // mb, body[cut:])
    return raw_zip(sample_members({part: (stream, 8, crc, size if declared is None else declared)}))


def big_xls(sheets: dict[str, list[list]]) -> bytes:
    """A legacy .xls whose Workbook stream may exceed the 64 KB of builders.xls_workbook (several FAT sectors)."""
    stream = _biff8({name: (rows, []) for name, rows in sheets.items()})
    stream = stream.ljust(max(4096, -(-len(stream) // 512) * 512), b"\x00")
    count = len(stream) // 512
    nfat = -(-(count + 1 + 1) // 127)
    end, fat_mark = 0xFFFFFFFE, 0xFFFFFFFD
    fat = [fat_mark] * nfat + [nfat + i + 1 for i in range(count - 1)] + [end, end]
    fat += [0xFFFFFFFF] * (nfat * 128 - len(fat))
    difat = list(range(nfat)) + [0xFFFFFFFF] * (109 - nfat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<9I", 0, nfat, nfat + count, 0, 0x1000, end, 0, end, 0)
        + struct.pack("<109I", *difat)
    )

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00" if name else b""
        return (
            raw.ljust(64, b"\x00")
            + struct.pack("<HBB", len(raw), kind, 1 if kind else 0)
            + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child)
            + b"\x00" * 36
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry("Workbook", 2, 0xFFFFFFFF, nfat, len(stream))
        + entry("", 0, 0xFFFFFFFF, 0, 0) * 2
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + stream + directory


# ------------------------------------------------------------------ the cases


def container_cases() -> list[Case]:
    sample = base
    docx = lambda: raw_zip(
        [
            (n, deflated(b), 8, zlib.crc32(b), len(b))
            for n, b in (
                (
                    "[Content_Types].xml",
                    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
                ),
                (
                    "word/document.xml",
                    b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body>x</w:body></w:document>',
                ),
            )
        ]
    )
    fake_xlsb = lambda: raw_zip(
        [
            (n, deflated(b), 8, zlib.crc32(b), len(b))
            for n, b in (
                (
                    "[Content_Types].xml",
                    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
                ),
                ("xl/workbook.bin", b"\x83\x01\x00" * 100),
                ("xl/worksheets/sheet1.bin", b"\x00\x01" * 500),
            )
        ]
    )

    def looping_ole() -> bytes:
        ole = bytearray(ole_with_stream("Workbook"))
        struct.pack_into("<I", ole, 512 + 4 * 1, 1)  # the stream's first sector points at itself
        return bytes(ole)

    filepass = lambda: _ole(
        _rec(0x0809, struct.pack("<HHHHII", 0x0600, 5, 0x0DBB, 0x07CC, 0, 6))
        + _rec(0x002F, b"\x01\x00" * 27)
        + _rec(0x000A)
    )
    return [
        Case("截断一半.xlsx", lambda: sample()[: len(sample()) // 2], NOT_A_WORKBOOK),
        Case("截断末尾.xlsx", lambda: sample()[:-100], NOT_A_WORKBOOK),
        Case("空文件.xlsx", lambda: b"", NOT_A_WORKBOOK),
        Case("其实是CSV.xlsx", lambda: "地区,受理案件数\n通化市,10\n".encode("gbk"), NOT_A_WORKBOOK),
        Case("其实是文本.xls", lambda: "调解情况 统计期：2025年3月\n".encode(), NOT_A_WORKBOOK),
        Case(
            "其实是网页.xls", lambda: "<html><table><tr><td>调解情况</td></tr></table></html>".encode(), NOT_A_WORKBOOK
        ),
        Case("其实是PDF.xlsx", lambda: b"%PDF-1.7\n" + b"0" * 2000, NOT_A_WORKBOOK),
        Case("其实是Word.xlsx", docx, NOT_A_WORKBOOK),
        Case("普通压缩包.xlsx", lambda: raw_zip([("a.txt", b"hello", 0, zlib.crc32(b"hello"), 5)]), NOT_A_WORKBOOK),
        Case("伪装的xlsb.xlsb", fake_xlsb, NOT_A_WORKBOOK),
        Case("加密的工作簿.xlsx", lambda: ole_with_stream("EncryptedPackage"), {"encrypted"}),
        Case("设了密码的旧版.xls", filepass, {"encrypted", "unreadable"}),
        Case("OLE乱码.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40, NOT_A_WORKBOOK),
        Case("OLE无工作簿.xls", lambda: ole_with_stream("Foo"), NOT_A_WORKBOOK),
        Case("OLE扇区循环.xls", looping_ole, NOT_A_WORKBOOK),
        Case("OLE截断.xls", lambda: xls_workbook({"调解情况": [["x"]]})[:700], NOT_A_WORKBOOK),
        Case(
            "压缩方式未知.xlsx",
            lambda: raw_zip([(n, s, 12 if n == MAIN_PART else m, c, d) for n, s, m, c, d in sample_members()]),
            NOT_A_WORKBOOK,
        ),
        Case("成员加密标志.xlsx", lambda: raw_zip(sample_members(), flags=0x1), {"encrypted"}),
        Case("两万个成员.xlsx", lambda: raw_zip([(f"x/{i}.xml", b"", 0, 0, 0) for i in range(20_000)]), NOT_A_WORKBOOK),
    ]


def lying_small() -> bytes:
    """The main sheet declares 11 KB and really holds 61 KB: under every limit, but the zip lies."""
    with zipfile.ZipFile(io.BytesIO(base())) as src:
        body = src.read(MAIN_PART)
    padded = body.replace(b"</sheetData>", b"</sheetData>" + b" " * 50_000)
    return raw_zip(
        [
            (n, deflated(padded), 8, zlib.crc32(padded), 11 * 1024) if n == MAIN_PART else (n, s, m, c, d)
            for n, s, m, c, d in sample_members()
        ]
    )


def bomb_cases() -> list[Case]:
    return [
        Case("如实声明的炸弹.xlsx", lambda: bomb(MAIN_PART, real=300 * MB, declared=None), {"expanded_too_large"}),
        Case(
            "谎报大小的炸弹.xlsx",
            lambda: bomb(MAIN_PART, real=GB + GB // 2, declared=11 * 1024),
            {"expanded_too_large"},
            sheet=MAIN,
        ),
        Case(
            "共享字符串炸弹.xlsx",
            lambda: bomb("xl/sharedStrings.xml", real=300 * MB, declared=4562),
            {"expanded_too_large"},
        ),
        Case("样式表炸弹.xlsx", lambda: bomb("xl/styles.xml", real=300 * MB, declared=4651), {"expanded_too_large"}),
        Case("谎报小一点.xlsx", lying_small, NOT_A_WORKBOOK),
    ]


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode() for i in range(1, 10)
    )
    + b"]>"
)
XXE = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def after_declaration(doctype: bytes):
    return lambda body: body.replace(b"?>", b"?>" + doctype, 1)


def xml_cases() -> list[Case]:
    utf16 = lambda: (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
    ).encode("utf-16")
    return [
        Case(
            "实体膨胀.xlsx",
            lambda: rewrite(base(), {MAIN_PART: after_declaration(BILLION_LAUGHS)}),
            {"unsafe_xml"},
            sheet=MAIN,
        ),
        Case(
            "外部实体XXE.xlsx", lambda: rewrite(base(), {MAIN_PART: after_declaration(XXE)}), {"unsafe_xml"}, sheet=MAIN
        ),
        Case(
            "共享字符串XXE.xlsx",
            lambda: rewrite(base(), {"xl/sharedStrings.xml": after_declaration(XXE)}),
            {"unsafe_xml"},
        ),
        Case("工作簿XXE.xlsx", lambda: rewrite(base(), {"xl/workbook.xml": after_declaration(XXE)}), {"unsafe_xml"}),
        Case(
            "关系文件XXE.xlsx",
            lambda: rewrite(base(), {"xl/_rels/workbook.xml.rels": after_declaration(XXE)}),
            {"unsafe_xml"},
        ),
        Case("UTF16的XXE.xlsx", lambda: rewrite(base(), {"xl/sharedStrings.xml": utf16()}), {"unsafe_xml"}),
        Case(
            "XML损坏.xlsx",
            lambda: rewrite(base(), {MAIN_PART: lambda b: b.replace(b"</sheetData>", b"<row><c></sheetData>")}),
            NOT_A_WORKBOOK,
            sheet=MAIN,
        ),
    ]


def junk_rows(count: int, template: str) -> bytes:
    return "".join(template.format(r=r) for r in range(20, 20 + count)).encode()


def extent_cases() -> list[Case]:
    from etl.limits import sheet_limits

    limits = sheet_limits()
    million = lambda: junk_rows(1_000_000, '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c></row>')
    styled = lambda: b'<row><c s="1"/></row>' * 1_000_000  # no r="…": positions follow on
    wide = lambda: (
        b'<row r="16">' + b"".join(f'<c r="{_letters(c)}16"><v>1</v></c>'.encode() for c in range(16_384)) + b"</row>"
    )
    no_refs = b"<row>" + b"<c><v>1</v></c>" * 200 + b"</row>"
    merges = lambda: b"".join(f'<mergeCell ref="A{r}:B{r}"/>'.encode() for r in range(20, 200_020))
    far_xls = lambda: [["调解情况"]] + [[] for _ in range(65_534)] + [[None] * 255 + [1]]
    tall_xls = lambda: [["调解情况"]] + [[] for _ in range(65_534)] + [[1]]
    big_area = '<row r="6000"><c r="CV6000"><v>1</v></c></row>'
    extra_sheets = lambda: rewrite(
        base(),
        {
            **{
                f"xl/worksheets/sheet{n}.xml": _sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>' + big_area)
                for n in range(5, 10)
            },
            "xl/workbook.xml": lambda b: b.replace(
                b"</sheets>",
                b"".join(f'<sheet name="附表{n}" sheetId="{n}" r:id="rId{n + 10}"/>'.encode() for n in range(5, 10))
                + b"</sheets>",
            ),
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                b"</Relationships>",
                b"".join(
                    f'<Relationship Id="rId{n + 10}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                    f'Target="worksheets/sheet{n}.xml"/>'.encode()
                    for n in range(5, 10)
                )
                + b"</Relationships>",
            ),
        },
    )
    shared = lambda: rewrite(
        base(),
        {
            "xl/sharedStrings.xml": lambda b: b.replace(
                b"</sst>", b"<si><t>" + "长".encode() * 1_000_000 + b"</t></si></sst>"
            ),
            MAIN_PART: lambda b: b.replace(
                b"</sheetData>",
                junk_rows(
                    40,
                    '<row r="{r}">'
                    + "".join(f'<c r="{_letters(c)}{{r}}" t="s"><v>{_count_si()}</v></c>' for c in range(25))
                    + "</row>",
                )
                + b"</sheetData>",
            ),
        },
    )
    extra_far = lambda: rewrite(
        base(),
        {
            "xl/worksheets/sheet5.xml": _sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
            "xl/workbook.xml": lambda b: b.replace(
                b"</sheets>", '<sheet name="备注" sheetId="5" r:id="rId20"/></sheets>'.encode()
            ),
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                b"</Relationships>",
                b'<Relationship Id="rId20" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                b'Target="worksheets/sheet5.xml"/></Relationships>',
            ),
        },
    )
    return [
        Case(
            "远端单元格XFD1048576.xlsx",
            lambda: add_rows(b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="XFD1048576",
        ),
        Case(
            "远端单元格A1048576.xlsx",
            lambda: add_rows(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="A1048576",
        ),
        Case(
            "远端空字符串.xlsx",
            lambda: add_rows(b'<row r="900000"><c r="B900000" t="inlineStr"><is><t></t></is></c></row>'),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="B900000",
        ),
        Case(
            "远端错误值.xlsx",
            lambda: add_rows(b'<row r="70000"><c r="C70000" t="e"><v>#REF!</v></c></row>'),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="C70000",
        ),
        Case(
            "一百万行垃圾.xlsx",
            lambda: add_rows(million()),
            {"sheet_too_large"},
            sheet=MAIN,
            cell=f"A{limits.max_rows + 1}",
        ),
        Case("一百万空格式行.xlsx", lambda: add_rows(styled()), {"sheet_too_large"}, sheet=MAIN),
        Case(
            "16384列.xlsx",
            lambda: add_rows(wide()),
            {"sheet_too_large"},
            sheet=MAIN,
            cell=f"{_letters(limits.max_cols)}16",
        ),
        Case("无坐标的200列.xlsx", lambda: add_rows(no_refs), {"sheet_too_large"}, sheet=MAIN),
        Case(
            "二十万合并单元格.xlsx",
            lambda: rewrite(base(), {MAIN_PART: lambda b: b.replace(b"</mergeCells>", merges() + b"</mergeCells>")}),
            {"sheet_too_large"},
            sheet=MAIN,
        ),
        Case("附表远端单元格.xlsx", extra_far, {"sheet_too_large"}, sheet="备注", cell="XFD1048576"),
        Case("五张大附表.xlsx", extra_sheets, {"workbook_too_large"}),
        Case("共享长字符串复用.xlsx", shared, {"text_too_large"}, sheet=MAIN),
        Case(
            "旧版远端单元格.xls",
            lambda: xls_workbook({"调解情况": far_xls()}),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="IV65536",
        ),
        Case(
            "旧版长字符串复用.xls",
            lambda: big_xls({"调解情况": [["长" * 30_000] * 25 for _ in range(240)]}),
            {"text_too_large"},
            sheet=MAIN,
        ),
        Case(
            "旧版七千合并单元格.xls",
            lambda: xls_workbook({"调解情况": [["x"]]}, {"调解情况": [f"A{r}:B{r}" for r in range(2, 7002)]}),
            {"sheet_too_large"},
            sheet=MAIN,
        ),
        Case(
            "旧版65536行.xls",
            lambda: xls_workbook({"调解情况": tall_xls()}),
            {"sheet_too_large"},
            sheet=MAIN,
            cell="A65536",
        ),
    ]


def _letters(col: int) -> str:
    from etl.issues import col_letter

    return col_letter(col)


def _count_si() -> int:
    with zipfile.ZipFile(io.BytesIO(base())) as src:
        return src.read("xl/sharedStrings.xml").count(b"<si>")


def _sheet_xml(rows: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows}</sheetData></worksheet>"
    ).encode()


def sheet_cases() -> list[Case]:
    def add_sheet(name: str, part_from: str = MAIN_PART, state: str = "") -> bytes:
        with zipfile.ZipFile(io.BytesIO(base())) as src:
            body = src.read(part_from)
        from xml.sax.saxutils import quoteattr

        return rewrite(
            base(),
            {
                "xl/worksheets/sheet9.xml": body,
                "xl/workbook.xml": lambda b: b.replace(
                    b"</sheets>", f'<sheet name={quoteattr(name)} sheetId="9" {state} r:id="rId30"/></sheets>'.encode()
                ),
                "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId30" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                    b'Target="worksheets/sheet9.xml"/></Relationships>',
                ),
            },
        )

    def rename_main(name: str, state: str = "") -> bytes:
        return rewrite(
            base(),
            {
                "xl/workbook.xml": lambda b: b.replace(
                    'name="调解情况" sheetId="1"'.encode(), f'name="{name}" sheetId="1" {state}'.encode()
                )
            },
        )

    return [
        Case("两张调解情况.xlsx", lambda: add_sheet("调解情况 "), {"duplicate_sheet"}, sheet=MAIN),
        Case("全角空格同名表.xlsx", lambda: add_sheet("调解情况\u3000"), {"duplicate_sheet"}, sheet=MAIN),
        Case("隐藏的必填表和可见副本.xlsx", rename_hidden_with_visible_copy, {"hidden_sheet"}, sheet=MAIN),
        Case("隐藏的必填表.xlsx", lambda: rename_main("调解情况", 'state="hidden"'), may_load=True),
        Case("深度隐藏的必填表.xlsx", lambda: rename_main("调解情况", 'state="veryHidden"'), may_load=True),
        Case("必填表改了名.xlsx", lambda: rename_main("Sheet1"), may_load=True),
        Case("多余的工作表.xlsx", lambda: add_sheet("说明"), may_load=True),
        Case(
            "缺少必填表.xlsx",
            lambda: rewrite(
                base(),
                {
                    "xl/workbook.xml": lambda b: b.replace(
                        '<sheet name="调解情况" sheetId="1" r:id="rId1"/>'.encode(), b""
                    )
                },
            ),
            {"missing_sheet", "missing_column"},
            sheet=MAIN,
        ),
        Case("公式没有缓存值.xlsx", lambda: formulas_without_values(), {"formula_no_value"}, sheet=MAIN, cell="C5"),
    ]


def rename_hidden_with_visible_copy() -> bytes:
    """调解情况 hidden (old figures), and a visible copy named 调解情况（新） that the clerk filled in."""
    with zipfile.ZipFile(io.BytesIO(base())) as src:
        body = src.read(MAIN_PART)
    return rewrite(
        base(),
        {
            "xl/worksheets/sheet9.xml": body,
            "xl/workbook.xml": lambda b: b.replace(
                'name="调解情况" sheetId="1"'.encode(), 'name="调解情况" sheetId="1" state="hidden"'.encode()
            ).replace(b"</sheets>", '<sheet name="调解情况（新）" sheetId="9" r:id="rId30"/></sheets>'.encode()),
            "xl/_rels/workbook.xml.rels": lambda b: b.replace(
                b"</Relationships>",
                b'<Relationship Id="rId30" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                b'Target="worksheets/sheet9.xml"/></Relationships>',
            ),
        },
    )


def formulas_without_values() -> bytes:
    """The sample's =SUM(...) 合计 cells with their cached values removed, as a program writes formulas."""
    import re

    return rewrite(base(), {MAIN_PART: lambda body: re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", body)})


def value_cases() -> list[Case]:
    """Cell values: refused naming the cell, never a traceback."""
    return [
        Case("数值NaN.xlsx", lambda: set_number("D5", "NaN"), sheet=MAIN, cell="D5"),
        Case("数值inf.xlsx", lambda: set_number("D5", "inf"), sheet=MAIN, cell="D5"),
        Case("数值负inf.xlsx", lambda: set_number("D5", "-INF"), sheet=MAIN, cell="D5"),
        Case("数值1e308.xlsx", lambda: set_number("D5", "1e308"), sheet=MAIN, cell="D5"),
        Case("数值超大整数.xlsx", lambda: set_number("D5", "9" * 40), sheet=MAIN, cell="D5"),
        Case("统计期不存在.xlsx", lambda: set_text("V2", "统计期：2025年13月"), sheet=MAIN, cell="V2"),
        Case("统计期公元9999.xlsx", lambda: set_text("V2", "统计期：9999年1月")),
        Case("统计期五位年份.xlsx", lambda: set_text("V2", "统计期：99999年99月"), sheet=MAIN, cell="V2"),
        Case("一兆字符串.xlsx", lambda: set_text("A5", "通" * 1_000_000), sheet=MAIN, cell="B5"),
        Case("零宽字符代码.xlsx", lambda: set_text("B6", "2205\u200b02"), sheet=MAIN, cell="B6", may_load=True),
        Case("从右到左字符.xlsx", lambda: set_text("A6", "\u202e区昌东"), sheet=MAIN, cell="B6", may_load=True),
        Case("形近字代码.xlsx", lambda: set_text("B6", "22O5O2"), sheet=MAIN, cell="B6"),
        Case("全角数字代码.xlsx", lambda: set_text("B6", "２２０５０２"), may_load=True),
        Case("西里尔字母地区.xlsx", lambda: set_text("A6", "Дongchang"), sheet=MAIN, cell="B6"),
    ]


def name_cases() -> list[Case]:
    """Long and odd file names: the content is the valid sample, the name is hostile."""
    sample = base
    return [
        Case("长" * 80 + ".xlsx", sample, may_load=True, tags={"name"}),
        Case("..%2F..%2Fetc%2Fpasswd.xlsx", sample, may_load=True, tags={"name"}),
        Case("换行\n名字.xlsx", sample, may_load=True, tags={"name"}),
        Case("<script>alert(1)<%2Fscript>.xlsx", sample, may_load=True, tags={"name"}),
        Case("-rf --json.xlsx", sample, may_load=True, tags={"name"}),
    ]


def valid_xls() -> Case:
    """A well-formed legacy .xls of form A: the scan must let honest files through."""
    from builders import sheet_grid

    from etl.formdefs import load_form

    form = load_form("A")
    grid, merges = sheet_grid(form.sheet("调解情况"), [a1_row("220502")])
    return Case("正常的旧版.xls", lambda: xls_workbook({"调解情况": grid}), may_load=True)


def all_cases() -> list[Case]:
    cases = (
        container_cases()
        + bomb_cases()
        + xml_cases()
        + extent_cases()
        + sheet_cases()
        + value_cases()
        + name_cases()
        + [
            valid_xls(),
            Case("正常的模板文件.xlsx", lambda: form_workbook("A", {"调解情况": [a1_row("220502")]}), may_load=True),
        ]
    )
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names are file names: keep them unique"
    return cases
