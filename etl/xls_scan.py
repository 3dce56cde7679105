"""Walk a legacy .xls (BIFF8 records in an OLE2 compound file) for each sheet's true extent before calamine.

calamine builds a dense grid from the first to the last cell of an .xls sheet, 64 bytes a cell: one cell at
IV65536 costs 1.1 GB. This walk reads the compound file's allocation table itself (every chain bounded by
the number of sectors, so a looping or out-of-range chain is refused rather than followed), finds the
Workbook stream and visits the cell records of each sheet, refusing a cell beyond the limits with the sheet
and cell named. Nothing here allocates more than the file's own size.
"""

from __future__ import annotations

import struct

from etl.issues import FileRejected, cell_ref, col_letter
from etl.limits import SheetLimits

END_OF_CHAIN = 0xFFFFFFFE
FREE = 0xFFFFFFFF
REBUILD = "请用 Excel/WPS 打开后另存为 .xlsx 再上传。"
# BIFF8 records that hold one cell (row, col first) and the two that hold a run of cells in one row
CELL_RECORDS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0201}
RUN_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first col, …, last col (last two bytes before the end)
BOF, EOF, BOUNDSHEET, FILEPASS, SST, CONTINUE, MERGEDCELLS = 0x0809, 0x000A, 0x0085, 0x002F, 0x00FC, 0x003C, 0x00E5
LABELSST, LABEL, RSTRING = 0x00FD, 0x0204, 0x00D6


def _broken(what: str = "") -> FileRejected:
    return FileRejected("unreadable", f"无法读取这个 .xls 工作簿（文件已损坏{what}）。" + REBUILD)


class _Compound:
    """The minimum of an OLE2 compound file needed to read one stream."""

    def __init__(self, data: bytes):
        if len(data) < 512:
            raise _broken("：文件不完整")
        self.data = data
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if shift not in (9, 12) or mini_shift != 6:
            raise _broken("：文件头无效")
        self.size = 1 << shift
        self.sectors = max(0, (len(data) - self.size) // self.size)
        n_fat, self.dir_start = struct.unpack_from("<II", data, 0x2C)
        self.cutoff, self.minifat_start, n_minifat, difat_start, n_difat = struct.unpack_from("<IIIII", data, 0x38)
        fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
        for sector in self._walk(
            difat_start, lambda s: struct.unpack_from("<I", self._sector(s), self.size - 4)[0], limit=n_difat
        ):
            fat_sectors += struct.unpack_from(f"<{self.size // 4 - 1}I", self._sector(sector))
        fat_sectors = [s for s in fat_sectors[:n_fat] if s not in (FREE, END_OF_CHAIN)]
        self.fat: list[int] = []
        for sector in fat_sectors:
            self.fat += struct.unpack(f"<{self.size // 4}I", self._sector(sector))

    def _sector(self, n: int) -> bytes:
        if n >= self.sectors:
            raise _broken("：扇区编号越界")
        start = (n + 1) * self.size
        return self.data[start : start + self.size]

    def _walk(self, start: int, step, limit: int | None = None):
        n, seen = start, 0
        while n not in (END_OF_CHAIN, FREE) and (limit is None or seen < limit):
            seen += 1
            if seen > self.sectors + 1:
                raise _broken("：扇区链循环")
            yield n
            n = step(n)

    def _next(self, n: int) -> int:
        if n >= len(self.fat):
            raise _broken("：分配表越界")
        return self.fat[n]

    def chain(self, start: int, size: int | None = None) -> bytes:
        body = b"".join(self._sector(s) for s in self._walk(start, self._next))
        return body if size is None else body[:size]

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        directory = self.chain(self.dir_start)
        root_start = root_size = None
        for at in range(0, len(directory) - 127, 128):
            length, kind = struct.unpack_from("<HB", directory, at + 64)
            name = directory[at : at + max(0, min(length, 64) - 2)].decode("utf-16-le", "replace")
            start, size = struct.unpack_from("<IQ", directory, at + 116)
            if self.size == 512:  # version 3 files: the high half of the size is undefined
                size &= 0xFFFFFFFF
            if kind == 5:
                root_start, root_size = start, size
            elif kind == 2 and name in names:
                if size > len(self.data):
                    raise _broken("：数据流长度无效")
                if size >= self.cutoff:
                    return self.chain(start, size)
                return self._mini(start, size, root_start, root_size)
        return None

    def _mini(self, start: int, size: int, root_start, root_size) -> bytes:
        if root_start is None:
            raise _broken("：缺少根目录")
        ministream = self.chain(root_start, root_size)
        minifat = struct.unpack(f"<{len(self.chain(self.minifat_start)) // 4}I", self.chain(self.minifat_start))
        out = []
        n, seen = start, 0
        while n not in (END_OF_CHAIN, FREE):
            seen += 1
            if n >= len(minifat) or seen > len(minifat):
                raise _broken("：小数据流链无效")
            out.append(ministream[n * 64 : (n + 1) * 64])
            n = minifat[n]
        return b"".join(out)[:size]


def _records(stream: bytes, start: int = 0):
    at = start
    while at + 4 <= len(stream):
        rtype, length = struct.unpack_from("<HH", stream, at)
        yield rtype, at + 4, length
        at += 4 + length


def _sst_lengths(stream: bytes, body: int, length: int) -> list[int]:
    """Character count of each shared string (calamine copies a shared string into every cell naming it).

    Strings run on into CONTINUE records; where the characters of one string cross into the next record,
    that record starts with a fresh option byte (compressed or UTF-16 characters)."""
    segments = [stream[body + 8 : body + length]]
    at = body + length
    for rtype, start, size in _records(stream, at):
        if rtype != CONTINUE:
            break
        segments.append(stream[start : start + size])
    unique = struct.unpack_from("<I", stream, body + 4)[0] if length >= 8 else 0
    lengths: list[int] = []
    seg, pos = 0, 0

    def skip(n: int) -> None:
        nonlocal seg, pos
        while n > 0 and seg < len(segments):
            step = min(n, len(segments[seg]) - pos)
            pos, n = pos + step, n - step
            if n > 0:
                seg, pos = seg + 1, 0

    while len(lengths) < unique and seg < len(segments):
        if pos + 3 > len(segments[seg]):
            seg, pos = seg + 1, 0
            continue
        cch, flags = struct.unpack_from("<HB", segments[seg], pos)
        pos += 3
        runs = ext = 0
        if flags & 0x8 and pos + 2 <= len(segments[seg]):
            runs = struct.unpack_from("<H", segments[seg], pos)[0]
            pos += 2
        if flags & 0x4 and pos + 4 <= len(segments[seg]):
            ext = struct.unpack_from("<I", segments[seg], pos)[0]
            pos += 4
        left, width = cch, 2 if flags & 0x1 else 1
        while left and seg < len(segments):
            take = min(left, (len(segments[seg]) - pos) // width)
            pos, left = pos + take * width, left - take
            if left:
                seg, pos = seg + 1, 1
                if seg < len(segments):
                    width = 2 if segments[seg][:1] and segments[seg][0] & 0x1 else 1
        skip(4 * runs + ext)
        lengths.append(cch)
    return lengths


def _too_much_text(name: str, row: int, col: int, limit: int) -> FileRejected:
    return FileRejected(
        "text_too_large",
        f"“{name}”工作表 {cell_ref(row, col)} 单元格处，工作簿各单元格的文字合计超过 {limit:,} 个字符的上限"
        "（常见于很多单元格重复引用超长文字）。请删除多余的长文字后再上传。",
        sheet=name,
        cell=cell_ref(row, col),
    )


def scan_xls(data: bytes, limits: SheetLimits) -> dict[str, tuple[int, int]]:
    """Sheet name → (rows, cols) extent of its cell records, or FileRejected naming the sheet and cell."""
    try:
        stream = _Compound(data).stream(("Workbook", "Book", "WORKBOOK", "BOOK"))
    except struct.error:
        raise _broken() from None
    if stream is None:
        raise FileRejected(
            "not_a_workbook", "这个文件不是 Excel 工作簿（其中没有工作簿数据）。请上传 .xlsx 或 .xls 格式的报表。"
        )
    sheets: list[tuple[int, str]] = []
    shared: list[int] = []
    for rtype, body, length in _records(stream):
        if rtype == SST:
            shared = _sst_lengths(stream, body, length)
        if rtype == FILEPASS:
            raise FileRejected("encrypted", "工作簿设置了密码，系统无法读取。请在 Excel/WPS 中取消密码后再上传。")
        if rtype == BOUNDSHEET and length >= 8:
            offset, cch, high = struct.unpack_from("<I", stream, body)[0], stream[body + 6], stream[body + 7]
            raw = stream[body + 8 : body + 8 + (cch * 2 if high & 1 else cch)]
            sheets.append((offset, raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")))
        if rtype == EOF:
            break
    extents: dict[str, tuple[int, int]] = {}
    total = text = 0
    for offset, name in sheets:
        rows = cols = merges = 0
        depth = 0
        for rtype, body, length in _records(stream, offset):
            if rtype == BOF:
                depth += 1
            elif rtype == EOF:
                depth -= 1
                if depth <= 0:
                    break
            elif depth == 1 and length >= 4 and (rtype in CELL_RECORDS or rtype in RUN_RECORDS):
                row, col = struct.unpack_from("<HH", stream, body)
                if rtype in RUN_RECORDS and length >= 6:
                    col = struct.unpack_from("<H", stream, body + length - 2)[0]
                if row >= limits.max_rows or col >= limits.max_cols:
                    raise FileRejected(
                        "sheet_too_large",
                        f"“{name}”工作表 {cell_ref(row, col)} 单元格有内容，超出了报表的范围：每张工作表最多读取 "
                        f"{limits.max_rows:,} 行、{limits.max_cols} 列（到 {col_letter(limits.max_cols - 1)} 列）。"
                        "请删除表格下方或右侧多余的内容（选中多余的行或列→删除），保存后再上传。",
                        sheet=name,
                        cell=cell_ref(row, col),
                    )
                rows, cols = max(rows, row + 1), max(cols, col + 1)
                if rtype == LABELSST and length >= 10:
                    index = struct.unpack_from("<I", stream, body + 6)[0]
                    text += shared[index] if index < len(shared) else 0
                elif rtype in (LABEL, RSTRING) and length >= 8:
                    text += struct.unpack_from("<H", stream, body + 6)[0]
                if text > limits.max_text_chars:
                    raise _too_much_text(name, row, col, limits.max_text_chars)
            elif depth == 1 and rtype == MERGEDCELLS and length >= 2:
                merges += struct.unpack_from("<H", stream, body)[0]
                if merges > limits.max_merges:
                    raise FileRejected(
                        "sheet_too_large",
                        f"“{name}”工作表的合并单元格超过 {limits.max_merges:,} 处的上限。"
                        "请取消多余的合并单元格后再上传。",
                        sheet=name,
                    )
        total += rows * cols
        if total > limits.max_cells:
            raise FileRejected(
                "workbook_too_large",
                f"“{name}”工作表处，整个工作簿的表格合计超过 {limits.max_cells:,} 个单元格的上限。"
                "请删除与报表无关的工作表和多余的行列后再上传。",
                sheet=name,
            )
        extents[name] = (rows, cols)
    return extents
