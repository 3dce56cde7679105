"""Audit descriptions read as Chinese: every action has a word, detail keys and coded values are named."""

from __future__ import annotations

import json
import re

from conftest import ROOT

from auth import audit
from warehouse.labels import AUDIT_ACTIONS


def test_every_action_written_in_the_code_has_a_chinese_label():
    written = set()
    for path in [
        *ROOT.glob("auth/*.py"),
        *ROOT.glob("warehouse/*.py"),
        *ROOT.glob("service/*.py"),
        *ROOT.glob("etl/*.py"),
    ]:
        text = path.read_text(encoding="utf-8")
        # whitespace-tolerant: a call may be laid out one argument per line (ruff format)
        written |= set(re.findall(r"\.audit\(\s*cur,\s*[^,]+,\s*\"([a-z_]+)\"", text))
        written |= {f"signal_{a}" for a in re.findall(r"_user_step\([^)]*action=\"([a-z]+)\"", text)}
    assert {"review_return", "signal_reopen", "signal_ack", "signal_close", "job_run", "load"} <= written
    assert sorted(a for a in written if a not in AUDIT_ACTIONS) == []
    assert all(re.search(r"[\u4e00-\u9fff]", audit.action_label(a)) for a in written)


def test_a_return_names_the_regions_and_what_they_show_now():
    detail = {
        "form": "A",
        "period": "2025-03",
        "regions": ["220500"],
        "reason": "调解成功数大于结案数",
        "now_shown": {"220500": None, "220502": "v-0001"},
    }
    assert audit.describe(json.dumps(detail, ensure_ascii=False)) == (
        "报表：附件1 调解情况；统计期：2025年3月；地区：通化市（220500）；原因：调解成功数大于结案数；"
        "退回后显示：通化市（220500） 暂无数据，东昌区（220502） 上一审核通过版本"
    )


def test_signal_and_job_details_in_words():
    signal = {"rule": "R3", "region": "220502", "level": "red", "from": "new", "to": "acknowledged", "note": "已约谈"}
    assert audit.describe(json.dumps(signal, ensure_ascii=False)) == (
        "规则：R3 集体争议聚集；地区：东昌区（220502）；级别：红色；原状态：待处置；新状态：处置中；备注：已约谈"
    )
    job = {
        "outcome": "ok",
        "started": "2026-12-04T02:00:00",
        "duration_s": 1.2,
        "message": "完成",
        "by": "scheduler",
        "result": {"new": 3, "reopened": 0},
    }
    assert audit.describe(json.dumps(job, ensure_ascii=False)) == (
        "结果：成功；开始时间：2026-12-04 02:00；耗时（秒）：1.2；说明：完成；执行人：定时；结果明细：新增 3，重新打开 0"
    )


def test_no_raw_dict_or_code_key_left_in_a_description():
    detail = {
        "file": "通化.xlsx",
        "form": "B",
        "period": "2025-06",
        "regions": ["220500", "220502", "220503", "220521"],
        "rows": {"组织建设": 12},
        "review_state": "pending",
        "sha256": "ab" * 32,
    }
    text = audit.describe(json.dumps(detail, ensure_ascii=False))
    assert text == (
        "文件：通化.xlsx；报表：附件2 组织建设；统计期：2025年6月；地区：通化市（220500） 等 4 个；"
        "行数：组织建设 12；审核状态：待审核"
    )
    assert not re.search(r"[{}\[\]']|[a-z_]{3,}", text.replace(".xlsx", ""))
