"""Tests of the demo-data simulator (etl/demo_data.py) against the rules of spec/forms.md."""

from __future__ import annotations

import calendar
import sys
import types
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from etl import demo_data as dd  # noqa: E402
from etl.demo_data import Submission, regions, simulate  # noqa: E402

FIRST, LAST = "2024-01", "2025-02"  # 14 months

PARTS = ("enterprise", "township", "arbitration", "chamber", "other")
A1_KEYS = (
    ["region_code", "region_name", "accepted_total"]
    + [f"accepted_{p}" for p in PARTS]
    + ["closed_total", "succeeded_total"]
    + [f"succeeded_{p}" for p in PARTS]
    + [
        "workers",
        "amount_wan",
        "collective_cases",
        "collective_workers",
        "court_entrusted",
        "online_accepted",
        "arbitration_review",
        "judicial_confirmation",
        "arbitration_filed",
    ]
)
A2_KEYS = ["region_code", "region_name", "industry", "accepted", "succeeded", "collective_cases", "workers"]
A3_KEYS = [
    "region_code",
    "region_name",
    "occurred_on",
    "employer",
    "credit_code",
    "industry",
    "workers",
    "amount_wan",
    "dispute_type",
    "escalated",
    "status",
    "resolved_on",
    "notes",
]
A4_KEYS = [
    "region_code",
    "region_name",
    "found_on",
    "employer",
    "credit_code",
    "industry",
    "risk_type",
    "workers",
    "amount_wan",
    "level",
    "owner",
    "status",
    "closed_on",
]
B1_KEYS = [
    "region_code",
    "region_name",
    "above_scale_enterprises",
    "above_scale_with_committee",
    "union_100_enterprises",
    "union_100_with_committee",
    "joint_committees",
    "parks",
    "parks_with_org",
    "small_firm_liaisons",
    "townships",
    "township_centers",
    "township_windows",
    "arbitration_courts",
    "arbitration_with_center",
    "arbitration_in_hub",
    "legal_stations",
    "chambers",
    "chambers_with_org",
    "mediators",
    "mediators_fulltime",
    "mediators_parttime",
    "mediators_rostered",
    "trained",
]
C1_KEYS = [
    "task_id",
    "region_code",
    "region_name",
    "task",
    "category",
    "lead_unit",
    "responsible_unit",
    "task_force_lead",
    "playbook",
    "target_value",
    "done_value",
    "due_on",
    "step",
    "progress",
    "closed_on",
    "evidence",
]
# forms.md B1 errors: "已建/已设/入驻" count above its base
B_BASES = {
    "above_scale_with_committee": "above_scale_enterprises",
    "union_100_with_committee": "union_100_enterprises",
    "parks_with_org": "parks",
    "township_centers": "townships",
    "township_windows": "townships",
    "arbitration_with_center": "arbitration_courts",
    "arbitration_in_hub": "arbitration_courts",
    "chambers_with_org": "chambers",
}
B_STOCKS = (
    "above_scale_with_committee",
    "union_100_with_committee",
    "joint_committees",
    "parks_with_org",
    "township_centers",
    "arbitration_with_center",
    "chambers_with_org",
)
INDUSTRIES = set("ABCDEFGHIJKLMNOPQRST")
DISPUTE_TYPES = {"劳动报酬", "社会保险", "解除终止劳动合同", "经济补偿", "工伤待遇", "工作时间休息休假", "其他"}
RISK_TYPES = {"拖欠工资", "欠缴社保", "停工停产", "经济性裁员", "关停搬迁", "劳资纠纷苗头", "其他"}
CATEGORIES = {
    "企业调解委员会建设",
    "乡镇（街道）调解中心建设",
    "仲裁院调解中心建设",
    "商（协）会调解组织建设",
    "调解员队伍建设",
    "规范化建设",
    "信息化建设",
    "其他",
}
USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(ch not in USCC for ch in code):
        return False
    c = 31 - sum(USCC.index(ch) * w for ch, w in zip(code[:17], USCC_W)) % 31
    return code[17] == USCC[0 if c == 31 else c]


def month_end(period: str) -> date:
    y, m = map(int, period.split("-"))
    return date(y, m, calendar.monthrange(y, m)[1])


def month_start(period: str) -> date:
    y, m = map(int, period.split("-"))
    return date(y, m, 1)


def is_count(v) -> bool:
    return type(v) is int and v >= 0


@pytest.fixture(scope="module")
def subs() -> list[Submission]:
    return list(simulate(FIRST, LAST, seed=2024))


@pytest.fixture(scope="module")
def by_form(subs):
    out = defaultdict(list)
    for s in subs:
        out[s.form].append(s)
    return out


def unit_regions() -> dict[str, list[str]]:
    out = defaultdict(list)
    for r in regions():
        if r["unit_code"]:
            out[r["unit_code"]].append(r["code"])
    return out


# ---------------------------------------------------------------------------------------------- API


def test_api_shape(subs):
    assert isinstance(simulate(FIRST, FIRST), types.GeneratorType)
    for s in subs:
        assert isinstance(s, Submission)
        assert s.form in "ABC" and len(s.period) == 7
        assert isinstance(s.loaded_at, datetime) and s.loaded_at.tzinfo is None
        assert isinstance(s.loaded_by, str) and 2 <= len(s.loaded_by) <= 3
        expected = {"A": {"调解情况", "分行业", "重大集体争议", "预警信息"}, "B": {"组织建设"}, "C": {"工作台账"}}[
            s.form
        ]
        assert set(s.sheets) == expected
    with pytest.raises(ValueError):
        list(simulate("2023-12", "2024-02"))
    with pytest.raises(ValueError):
        list(simulate("2024-05", "2024-02"))


def test_rows_cover_the_units_regions(by_form):
    units = unit_regions()
    assert len(units) == 11
    assert "220581" not in units["220500"] and units["220581"] == ["220581"] and units["229901"] == ["229901"]
    for s in by_form["A"] + by_form["B"]:
        sheet = "调解情况" if s.form == "A" else "组织建设"
        codes = [r["region_code"] for r in s.sheets[sheet]]
        assert codes == units[s.unit_code], (s.unit_code, s.period)  # every region once, 市本级 first
    for s in by_form["A"]:
        allowed = set(units[s.unit_code])
        for sheet in ("分行业", "重大集体争议", "预警信息"):
            assert {r["region_code"] for r in s.sheets[sheet]} <= allowed
    for s in by_form["C"]:
        assert {r["region_code"] for r in s.sheets["工作台账"]} <= set(units[s.unit_code])


# ---------------------------------------------------------------------------------------------- form A


def test_a1_error_rules(by_form):
    for s in by_form["A"]:
        for r in s.sheets["调解情况"]:
            assert list(r) == A1_KEYS
            assert len(r["region_code"]) == 6 and r["region_code"].isdigit() and r["region_name"]
            for k in A1_KEYS[2:]:
                if k != "amount_wan":
                    assert is_count(r[k]), (k, r)
            assert isinstance(r["amount_wan"], float) and r["amount_wan"] >= 0
            assert round(r["amount_wan"], 2) == r["amount_wan"]
            assert r["accepted_total"] == sum(r[f"accepted_{p}"] for p in PARTS)
            assert r["succeeded_total"] == sum(r[f"succeeded_{p}"] for p in PARTS)
            assert r["succeeded_total"] <= r["closed_total"]
            assert r["collective_cases"] <= r["accepted_total"]
            assert r["collective_workers"] >= 10 * r["collective_cases"]
            assert r["workers"] >= r["collective_workers"]
            assert r["online_accepted"] <= r["accepted_total"]
            assert r["court_entrusted"] <= r["accepted_total"]
            # warnings we also avoid
            assert r["arbitration_review"] + r["judicial_confirmation"] <= r["succeeded_total"]
            for p in PARTS:
                assert r[f"succeeded_{p}"] <= r[f"accepted_{p}"]
            if r["accepted_total"] >= 50:
                assert r["closed_total"] <= 1.1 * r["accepted_total"]
                assert 0.2 <= r["arbitration_filed"] / r["accepted_total"] <= 0.8


def test_a2_industry_split(by_form):
    for s in by_form["A"]:
        acc = {r["region_code"]: r["accepted_total"] for r in s.sheets["调解情况"]}
        sums = defaultdict(int)
        seen = set()
        for r in s.sheets["分行业"]:
            assert list(r) == A2_KEYS
            assert r["industry"] in INDUSTRIES
            key = (r["region_code"], r["industry"])
            assert key not in seen
            seen.add(key)
            assert all(is_count(r[k]) for k in ("accepted", "succeeded", "collective_cases", "workers"))
            assert r["accepted"] > 0  # only non-zero rows
            assert r["succeeded"] <= r["accepted"]
            assert r["collective_cases"] <= r["accepted"]
            assert r["workers"] >= r["accepted"] - r["collective_cases"] + 10 * r["collective_cases"]
            sums[r["region_code"]] += r["accepted"]
        for code, total in acc.items():
            assert sums.get(code, 0) == total, (s.unit_code, s.period, code)


def test_industry_leaders_and_construction_peak(by_form):
    by_ind = defaultdict(int)
    e_share = defaultdict(lambda: [0, 0])
    for s in by_form["A"]:
        for r in s.sheets["分行业"]:
            by_ind[r["industry"]] += r["accepted"]
            e_share[s.period][1] += r["accepted"]
            if r["industry"] == "E":
                e_share[s.period][0] += r["accepted"]
    top4 = sorted(by_ind, key=by_ind.get, reverse=True)[:4]
    assert set(top4) == {"C", "E", "F", "H"}
    share = {p: e / t for p, (e, t) in e_share.items()}
    assert share["2024-01"] > share["2024-06"] and share["2025-01"] > share["2024-09"]


def test_province_volume_season_and_success(by_form):
    acc, closed, succ = defaultdict(int), defaultdict(int), defaultdict(int)
    for s in by_form["A"]:
        for r in s.sheets["调解情况"]:
            acc[s.period] += r["accepted_total"]
            closed[s.period] += r["closed_total"]
            succ[s.period] += r["succeeded_total"]
    assert len(acc) == 14
    for p, v in acc.items():
        assert 4000 <= v <= 9000, (p, v)
        assert 0.55 <= succ[p] / closed[p] <= 0.85, (p, succ[p] / closed[p])
        assert 0.85 <= closed[p] / acc[p] <= 1.02
    mean_2024 = sum(v for p, v in acc.items() if p.startswith("2024")) / 12
    for p in ("2024-01", "2024-02", "2025-01", "2025-02"):
        assert acc[p] > mean_2024, (p, acc[p], mean_2024)
    assert acc["2024-03"] < acc["2024-02"]  # lower in the month after the peak


def test_unit_success_rates_differ(by_form):
    rate = defaultdict(lambda: [0, 0])
    for s in by_form["A"]:
        for r in s.sheets["调解情况"]:
            rate[s.unit_code][0] += r["succeeded_total"]
            rate[s.unit_code][1] += r["closed_total"]
    rates = {u: a / b for u, (a, b) in rate.items()}
    assert all(0.5 <= v <= 0.9 for v in rates.values()), rates
    assert min(rates, key=rates.get) in ("220800", "220700")
    assert max(rates.values()) - min(rates.values()) > 0.1


def test_a3_major_incidents(by_form):
    history = defaultdict(list)  # incident -> [(period, row)]
    new_per_month = defaultdict(int)
    order = {"未化解": 0, "处置中": 1, "已化解": 2}
    for s in by_form["A"]:
        end = month_end(s.period)
        for r in s.sheets["重大集体争议"]:
            assert list(r) == A3_KEYS
            assert uscc_valid(r["credit_code"]), r["credit_code"]
            assert r["industry"] in INDUSTRIES and r["dispute_type"] in DISPUTE_TYPES
            assert r["escalated"] in ("是", "否") and r["status"] in order
            assert is_count(r["workers"]) and r["workers"] >= 10
            assert isinstance(r["amount_wan"], float) and r["amount_wan"] >= 0
            assert isinstance(r["occurred_on"], date) and r["occurred_on"] <= end
            assert (r["resolved_on"] is not None) == (r["status"] == "已化解")
            if r["resolved_on"] is not None:
                assert r["occurred_on"] <= r["resolved_on"] <= end
            assert r["employer"].endswith("公司") and r["notes"]
            key = (r["region_code"], r["credit_code"], r["occurred_on"])
            if key not in history:
                new_per_month[s.period] += 1
            history[key].append((s.period, s.unit_code, r))
    units_periods = {(s.unit_code, s.period) for s in by_form["A"]}
    periods = sorted({s.period for s in by_form["A"]})
    majors = 0
    for key, seen in history.items():
        statuses = [order[r["status"]] for _, _, r in seen]
        assert statuses == sorted(statuses)  # never goes back
        assert all(x < 2 for x in statuses[:-1])  # reported resolved once, then dropped
        if statuses[-1] == 2:
            p, _, r = seen[-1]
            assert month_start(p) <= r["resolved_on"]  # resolved within the period first reported resolved
        # repeated every month of the unit's submissions until resolved
        first_p, unit, _ = seen[0]
        seen_periods = [p for p, _, _ in seen]
        for p in periods[periods.index(first_p) : periods.index(seen_periods[-1]) + 1]:
            if (unit, p) in units_periods:
                assert p in seen_periods, key
        r = seen[0][2]
        majors += r["workers"] >= 30 or r["amount_wan"] >= 100 or r["escalated"] == "是"
    assert 0.6 <= majors / len(history) < 1.0  # most are major, some below the threshold
    avg_new = sum(new_per_month.values()) / len(periods)
    assert 3 <= avg_new <= 9, new_per_month


def test_a4_warnings(by_form):
    history = defaultdict(list)
    new = defaultdict(int)
    order = {"未处置": 0, "处置中": 1, "已办结": 2}
    levels = set()
    for s in by_form["A"]:
        end = month_end(s.period)
        for r in s.sheets["预警信息"]:
            assert list(r) == A4_KEYS
            assert uscc_valid(r["credit_code"])
            assert r["risk_type"] in RISK_TYPES and r["level"] in ("红", "橙", "黄", "蓝")
            assert r["status"] in order and r["owner"]
            assert is_count(r["workers"]) and isinstance(r["amount_wan"], float) and r["amount_wan"] >= 0
            assert r["found_on"] <= end
            assert (r["closed_on"] is not None) == (r["status"] == "已办结")
            if r["closed_on"] is not None:
                assert r["found_on"] <= r["closed_on"] <= end
            levels.add(r["level"])
            key = (r["region_code"], r["credit_code"], r["found_on"])
            if key not in history:
                new[s.period] += 1
            history[key].append(order[r["status"]])
    assert levels == {"红", "橙", "黄", "蓝"}
    for statuses in history.values():
        assert statuses == sorted(statuses) and all(x < 2 for x in statuses[:-1])
    assert all(5 <= v <= 30 for v in new.values()), new


def test_credit_check_digit():
    for code in ("914403001922038216", "9144030071526726XG", "91220502MAD79EK1X7"):  # real / sample codes
        assert dd.credit_check_char(code[:17]) == code[17]
        assert uscc_valid(code)
    assert not uscc_valid("914403001922038217")


# ---------------------------------------------------------------------------------------------- form B


def test_b1_error_rules_and_stock_monotone(by_form):
    ref = {r["code"]: r for r in regions()}
    prev: dict[str, dict] = {}
    for s in sorted(by_form["B"], key=lambda s: s.period):
        for r in s.sheets["组织建设"]:
            assert list(r) == B1_KEYS
            assert all(is_count(r[k]) for k in B1_KEYS[2:]), r
            for k, base in B_BASES.items():
                assert r[k] <= r[base], (k, r)
            assert r["mediators_fulltime"] + r["mediators_parttime"] == r["mediators"]
            assert r["mediators_rostered"] <= r["mediators"]
            rr = ref[r["region_code"]]
            assert r["townships"] == int(rr["streets"] or 0) + int(rr["towns"] or 0) + int(rr["townships"] or 0)
            if rr["kind"] != "zone":
                assert r["arbitration_courts"] == 1
            p = prev.get(r["region_code"])
            if p is not None:
                for k in B_STOCKS:
                    assert r[k] >= p[k], (k, r["region_code"], s.period)
            prev[r["region_code"]] = r


def test_b_campaign_ramp_and_laggards():
    def coverage(period):
        num, den = defaultdict(int), defaultdict(int)
        for s in simulate("2024-01", "2025-12"):
            if s.form == "B" and s.period == period:
                for r in s.sheets["组织建设"]:
                    num[s.unit_code] += r["union_100_with_committee"] + r["above_scale_with_committee"]
                    den[s.unit_code] += r["union_100_enterprises"] + r["above_scale_enterprises"]
        return {u: num[u] / den[u] for u in num}

    start, end = coverage("2024-01"), coverage("2025-11")
    assert all(end[u] > start[u] + 0.2 for u in end)
    lagging = sorted(end, key=end.get)[:2]
    assert set(lagging) <= {"220800", "220700", "229901"}


# ---------------------------------------------------------------------------------------------- form C


def test_c1_ledger(by_form):
    last_step: dict[tuple, tuple[str, int]] = {}
    periods = sorted({s.period for s in by_form["C"]})
    step_months = 0
    overdue = 0
    total = 0
    for period in periods:
        steps_now = set()
        for s in (x for x in by_form["C"] if x.period == period):
            rows = s.sheets["工作台账"]
            assert 8 <= len(rows) <= 20, (s.unit_code, period, len(rows))
            ids = set()
            for r in rows:
                assert list(r) == C1_KEYS
                key = (r["region_code"], r["task_id"])
                assert key not in ids
                ids.add(key)
                assert type(r["step"]) is int and 1 <= r["step"] <= 5
                assert (r["closed_on"] is not None) == (r["step"] == 5)
                if r["closed_on"] is not None:
                    assert month_start(period) <= r["closed_on"] <= month_end(period)
                assert r["category"] in CATEGORIES
                assert isinstance(r["due_on"], date)
                if r["target_value"] is None:
                    assert r["done_value"] is None
                else:
                    assert r["done_value"] is not None and 0 <= r["done_value"] <= r["target_value"]
                for k in ("task", "lead_unit", "responsible_unit", "task_force_lead", "playbook", "progress"):
                    assert isinstance(r[k], str) and r[k]
                prior = last_step.get(key)
                if prior is not None:
                    assert r["step"] >= prior[1], key  # never moves back
                    assert prior[1] < 5, key  # closed tasks are dropped the month after
                last_step[key] = (period, r["step"])
                steps_now.add(r["step"])
                total += 1
                overdue += r["step"] < 5 and r["due_on"] < month_end(period)
        step_months += steps_now == {1, 2, 3, 4, 5}
    assert step_months >= len(periods) - 4  # all five steps in a typical month
    assert 0.05 < overdue / total < 0.5


# ---------------------------------------------------------------------------------------------- submissions


def test_submission_timing_and_gaps(subs):
    units = set(unit_regions())
    got = defaultdict(set)
    late = 0
    for s in subs:
        got[(s.period, s.form)].add(s.unit_code)
        y, m = map(int, s.period.split("-"))
        nxt = date(y + m // 12, m % 12 + 1, 1)
        assert (s.loaded_at.year, s.loaded_at.month) == (nxt.year, nxt.month)
        assert 3 <= s.loaded_at.day <= 20
        late += s.loaded_at.day > 10
    assert 0 < late < 0.15 * len(subs)
    for form in "ABC":  # the latest month: two units not yet submitted
        assert len(got[(LAST, form)]) == 9
    missing = sum(len(units - got[(p, f)]) for (p, f) in got if p != LAST)
    assert missing in (1, 2)


# ---------------------------------------------------------------------------------------------- scale, determinism


def test_regions_scale():
    base = regions()
    assert len(base) == 80
    r2 = regions(2)
    assert len(r2) == 160 and len({r["code"] for r in r2}) == 160
    copy = {r["code"]: r for r in r2}
    assert copy["310500"]["name"] == "通化市（模拟1）" and copy["310581"]["unit_code"] == "310581"
    assert copy["319901"]["city_code"] == "" and copy["319901"]["unit_code"] == "319901"
    assert copy["310502"]["city_code"] == "310500" and copy["310502"]["aliases"] == ""
    assert copy["310000"]["kind"] == "province"
    with pytest.raises(ValueError):
        regions(71)


def test_simulate_scale_two():
    subs = list(simulate("2024-01", "2024-02", scale=2))
    units = {s.unit_code for s in subs}
    assert len(units) == 22
    per = defaultdict(set)
    for s in subs:
        if s.form == "A":
            per[s.period] |= {r["region_code"] for r in s.sheets["调解情况"]}
    assert len(per["2024-01"]) == 158  # 79 regions per copy (the province row is not a data row)
    assert all(c[:2] in ("22", "31") for c in per["2024-01"])


def test_deterministic():
    a = list(simulate("2024-01", "2024-06", seed=7))
    b = list(simulate("2024-01", "2024-06", seed=7))
    assert a == b
    c = list(simulate("2024-01", "2024-06", seed=8))
    assert a != c


def test_period_figures_do_not_depend_on_first():
    long = {(s.unit_code, s.form): s.sheets for s in simulate("2024-01", "2024-08") if s.period == "2024-05"}
    short = {(s.unit_code, s.form): s.sheets for s in simulate("2024-05", "2024-08") if s.period == "2024-05"}
    assert long.keys() & short.keys()
    for k in long.keys() & short.keys():
        assert long[k] == short[k]
