"""etl/issues.py: what any message or printed line may contain, whatever a cell or a file name holds."""

from __future__ import annotations

from etl.issues import Issue, printable


def test_printable_escapes_what_could_start_a_line_or_reorder_it():
    text = "甲\n✔ 已入库 乙\r\t\x00\x1b[31m\u2028\u2029\x85\u202e丙\u200d"
    assert printable(text) == "甲\\n✔ 已入库 乙\\r\\t\\x00\\x1b[31m\\u2028\\u2029\\x85\\u202e丙\u200d"


def test_an_issue_cuts_any_long_quoted_value_and_bounds_its_length():
    quoted = Issue("error", "x", "地区“" + "长" * 32767 + "”不在名录中。请改正。")
    listing = Issue("warning", "extra_columns", "有模板以外的列：" + "、".join(f"“列{i}”" for i in range(5000)) + "。")
    assert quoted.message == "地区“" + "长" * 50 + "…”不在名录中。请改正。"
    assert len(listing.message) == 1001 and listing.message.endswith("…")
