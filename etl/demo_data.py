"""Deterministic simulator of what Jilin's 11 reporting units report each month (demo / benchmark data).

Pure Python + numpy: no Excel, no database. ``simulate`` yields one :class:`Submission` per
(reporting unit, period, form) with the sheets of ``spec/forms.md`` as lists of row dicts keyed by the
forms' column keys (``region_code`` and ``region_name`` always present; ``seq`` and ``success_rate_pct``
never). Every row passes the forms' ERROR rules; a few WARNING situations occur naturally (closed >
accepted now and then, late uploads, overdue ledger tasks).

Model in brief
--------------
* Form A 调解情况: province ≈ 5,400 accepted disputes in an ordinary month, +3 % a year, ×1.4–1.55 in
  the pre-Spring-Festival months (January/February, shifted by the festival's date), dip in March.
  Regions share it by size (streets/towns/townships/township-like units, weighted by kind), 市本级 15 %
  of its city. Success rates by unit (白城、松原 persistently lower), rising slowly.
* 分行业 is a multinomial split of accepted (C, E, F, H lead; E peaks before the festival).
* 重大集体争议 / 预警信息 are stateful incidents/warnings that persist until resolved/closed, reported
  once more in the month they are resolved, then dropped.
* Form B 组织建设 stocks ramp toward the campaign targets of 2025-12 (白城、松原、长白山 lag) and never
  decrease.
* Form C 工作台账: 8–20 tasks per unit moving through the five steps, dropped the month after 闭环销号.
* Submissions are loaded 3rd–10th of the next month; 白城 and 长白山 are often late; two (unit, period,
  form) combinations in the run are missing; in the last period of the run 白城 and 长白山 have not yet
  submitted anything (the dashboard shows 已报送 9/11).

State (B stocks, incidents, warnings, ledger) always evolves from the campaign start 2024-01, so a period's
figures do not depend on ``first``; only the missing-submission picks depend on the run's range.
"""

from __future__ import annotations

import calendar
import csv
import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterator

import numpy as np

from etl.formdefs import load_form

__all__ = ["Submission", "regions", "simulate", "credit_check_char", "make_credit_code"]

REGIONS_CSV = Path(__file__).resolve().parents[1] / "warehouse" / "ref" / "regions.csv"
CAMPAIGN_START_YEAR = 2024  # month index 0 = 2024-01
MAX_SCALE = 70

# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    unit_code: str  # one of the reporting units (regions.csv unit_code values)
    period: str  # 'YYYY-MM'
    form: str  # 'A' | 'B' | 'C'
    sheets: dict[str, list[dict]]  # sheet name as in forms.md -> rows
    loaded_at: datetime  # when the bureau uploaded it (naive local time)
    loaded_by: str  # clerk name


@functools.lru_cache(maxsize=1)
def _base_rows() -> tuple[dict, ...]:
    with open(REGIONS_CSV, encoding="utf-8-sig", newline="") as fh:
        return tuple(dict(r) for r in csv.DictReader(fh))


def _check_scale(scale: int) -> None:
    if not isinstance(scale, int) or scale < 1 or scale > MAX_SCALE:
        raise ValueError(f"scale must be an int between 1 and {MAX_SCALE}, got {scale!r}")


def _copy_code(code: str, k: int) -> str:
    """Code of copy ``k`` of a region (k = 0 is the real province)."""
    if k == 0 or not code:
        return code
    return f"{30 + k:02d}{code[2:]}"


def _copy_name(name: str, k: int) -> str:
    return name if k == 0 else f"{name}（模拟{k}）"


def regions(scale: int = 1) -> list[dict]:
    """The region reference rows (csv column names, string values); ``scale`` > 1 appends synthetic copies.

    Copy k (1..scale-1) of a region gets code ``f"{30+k:02d}" + code[2:]``, name ``name + "（模拟k）"``,
    city_code/unit_code remapped the same way (empty stays empty) and empty aliases.
    """
    _check_scale(scale)
    base = _base_rows()
    out = [dict(r) for r in base]
    for k in range(1, scale):
        for r in base:
            c = dict(r)
            c["code"] = _copy_code(r["code"], k)
            c["name"] = _copy_name(r["name"], k)
            c["city_code"] = _copy_code(r["city_code"], k)
            c["unit_code"] = _copy_code(r["unit_code"], k)
            c["aliases"] = ""
            c["note"] = f"模拟数据：全省第{k}份复制，对应 {r['code']}（仅用于性能测试）"
            out.append(c)
    return out


# --------------------------------------------------------------------------------------------------
# unified social credit code (GB 32100-2015) and organization code (GB 11714-1997)
# --------------------------------------------------------------------------------------------------

USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_check_char(first17: str) -> str:
    """GB 32100-2015 check character for the first 17 characters of a unified social credit code."""
    total = sum(USCC_CHARS.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS))
    c = 31 - total % 31
    return USCC_CHARS[0 if c == 31 else c]


def _org_check_char(body8: str) -> str:
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))


_ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(region_code: str, rng: np.random.Generator) -> str:
    """A plausible 18-character enterprise credit code: 9 1 + region + org code (with its check) + check."""
    if rng.random() < 0.6:  # post-2015 registrations: 'MA' + 6 characters
        body = "MA" + "".join(_ORG_BODY_CHARS[i] for i in rng.integers(0, len(_ORG_BODY_CHARS), 6))
    else:  # legacy organization codes: 8 digits
        body = "".join(str(d) for d in rng.integers(0, 10, 8))
    first17 = "91" + region_code + body + _org_check_char(body)
    return first17 + credit_check_char(first17)


# --------------------------------------------------------------------------------------------------
# calendar helpers
# --------------------------------------------------------------------------------------------------


def _parse_period(p: str) -> int:
    try:
        y, m = p.split("-")
        y, m = int(y), int(m)
        if len(p) != 7 or not 1 <= m <= 12:
            raise ValueError
    except ValueError:
        raise ValueError(f"period must look like 'YYYY-MM', got {p!r}") from None
    mi = (y - CAMPAIGN_START_YEAR) * 12 + m - 1
    if mi < 0:
        raise ValueError(f"period {p} is before 2024-01 (the campaign began in 2024)")
    return mi


def _period_str(mi: int) -> str:
    return f"{CAMPAIGN_START_YEAR + mi // 12}-{mi % 12 + 1:02d}"


@functools.lru_cache(maxsize=4096)
def _month_bounds(mi: int) -> tuple[date, date]:
    y, mo = CAMPAIGN_START_YEAR + mi // 12, mi % 12 + 1
    return date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])


def _rand_date(rng: np.random.Generator, lo: date, hi: date) -> date:
    span = (hi - lo).days
    return lo if span <= 0 else lo + timedelta(days=int(rng.integers(0, span + 1)))


def _month_end_after(d: date, months: int) -> date:
    y, m = d.year, d.month + months
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return date(y, m, calendar.monthrange(y, m)[1])


# Spring Festival (Chinese New Year's day) — wage disputes peak in the weeks before it.
_SPRING_FESTIVAL = {
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
    2036: date(2036, 1, 28),
    2037: date(2037, 2, 15),
    2038: date(2038, 2, 4),
    2039: date(2039, 1, 24),
    2040: date(2040, 2, 12),
}
# month multipliers of accepted disputes (ordinary month = 1.0)
_SEASON = (1.45, 1.38, 0.86, 0.92, 0.96, 1.00, 0.96, 0.95, 1.00, 0.96, 1.03, 1.15)
_PROVINCE_BASE = 5300.0  # accepted disputes in an ordinary month of 2024
_TREND_PER_YEAR = 0.03


@functools.lru_cache(maxsize=4096)
def _season(mi: int) -> float:
    y, mo = CAMPAIGN_START_YEAR + mi // 12, mi % 12
    s = _SEASON[mo]
    sf = _SPRING_FESTIVAL.get(y, date(y, 2, 5))
    if mo in (0, 1):
        if sf <= date(y, 1, 31):  # early festival: January peaks harder, February calmer
            s += 0.05 if mo == 0 else -0.12
        elif sf >= date(y, 2, 14):  # late festival: peak shifts into February
            s += -0.03 if mo == 0 else 0.05
    return s


def _province_level(mi: int) -> float:
    return _PROVINCE_BASE * (1.0 + _TREND_PER_YEAR * mi / 12.0) * _season(mi)


# --------------------------------------------------------------------------------------------------
# static model
# --------------------------------------------------------------------------------------------------

# success: base mediation success rate; amount: 万元 per worker; lag: progress factor of the building
# campaign (1 = on track); late: probability that a month's upload is late.
_UNIT_PROFILE = {
    "220100": dict(success=0.75, amount=2.6, lag=1.00, late=0.01, demand=1.45),
    "220200": dict(success=0.72, amount=2.3, lag=1.00, late=0.01, demand=1.10),
    "220300": dict(success=0.70, amount=1.9, lag=0.95, late=0.01, demand=1.00),
    "220400": dict(success=0.73, amount=1.8, lag=1.00, late=0.01, demand=1.00),
    "220500": dict(success=0.74, amount=2.0, lag=1.02, late=0.01, demand=1.00),
    "220600": dict(success=0.68, amount=1.9, lag=0.95, late=0.01, demand=1.00),
    "220700": dict(success=0.62, amount=1.8, lag=0.80, late=0.03, demand=0.80),
    "220800": dict(success=0.57, amount=1.6, lag=0.72, late=0.20, demand=0.75),
    "222400": dict(success=0.71, amount=2.1, lag=1.00, late=0.01, demand=1.00),
    "229901": dict(success=0.69, amount=2.2, lag=0.78, late=0.15, demand=1.00),
    "220581": dict(success=0.77, amount=2.0, lag=1.05, late=0.01, demand=1.10),
}
_DEFAULT_PROFILE = dict(success=0.70, amount=2.0, lag=1.0, late=0.03, demand=1.0)
_PENDING_LAST_PERIOD = ("220800", "229901")
_INCIDENTS_PER_MONTH = 4.4  # new 重大集体争议 rows province-wide in an ordinary month
_INCIDENT_SEASON = {0: 1.8, 1: 1.6, 11: 1.3, 10: 1.1}
_WARNINGS_PER_MONTH = 13.0  # new 预警信息 province-wide in an ordinary month
_WARNING_SEASON = {0: 1.4, 1: 1.2, 11: 1.3, 10: 1.1}  # not yet submitted in the run's last period

_KIND_DEMAND = {"district": 1.3, "county": 0.9, "county_city": 1.0, "zone": 1.4, "special": 1.5}
_CITY_SELF_SHARE = 0.15  # 市本级 share of its city's accepted disputes

PART_KEYS = ("enterprise", "township", "arbitration", "chamber", "other")
_PART_SHARES = {
    "city": (0.15, 0.02, 0.55, 0.13, 0.15),
    "district": (0.28, 0.32, 0.22, 0.08, 0.10),
    "county": (0.20, 0.40, 0.25, 0.05, 0.10),
    "county_city": (0.22, 0.37, 0.25, 0.06, 0.10),
    "zone": (0.45, 0.18, 0.22, 0.05, 0.10),
    "special": (0.25, 0.30, 0.30, 0.05, 0.10),
}
_PART_SUCCESS = np.array([1.05, 0.98, 1.08, 0.95, 0.82])  # success multiplier by organization kind

INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")
_IND_BASE = dict(
    A=0.03,
    B=0.02,
    C=0.22,
    D=0.008,
    E=0.20,
    F=0.13,
    G=0.06,
    H=0.11,
    I=0.02,
    J=0.006,
    K=0.04,
    L=0.05,
    M=0.015,
    N=0.02,
    O=0.05,
    P=0.01,
    Q=0.015,
    R=0.01,
    S=0.004,
    T=0.0,
)
_E_SEASON = (1.7, 1.4, 0.8, 0.95, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.3)
_COLLECTIVE_BIAS = dict(E=3.0, C=1.5, H=1.0, B=1.5, G=1.0)

DISPUTE_TYPES = ("劳动报酬", "社会保险", "解除终止劳动合同", "经济补偿", "工伤待遇", "工作时间休息休假", "其他")
_DISPUTE_P = (0.60, 0.08, 0.10, 0.12, 0.04, 0.02, 0.04)
INCIDENT_STATUSES = ("未化解", "处置中", "已化解")
RISK_TYPES = ("拖欠工资", "欠缴社保", "停工停产", "经济性裁员", "关停搬迁", "劳资纠纷苗头", "其他")
_RISK_P = (0.40, 0.15, 0.12, 0.08, 0.07, 0.13, 0.05)
LEVELS = ("红", "橙", "黄", "蓝")
WARNING_STATUSES = ("未处置", "处置中", "已办结")
STEP_NAMES = {1: "任务部署", 2: "推进落实", 3: "督导检查", 4: "考核评估", 5: "闭环销号"}
CATEGORIES = (
    "企业调解委员会建设",
    "乡镇（街道）调解中心建设",
    "仲裁院调解中心建设",
    "商（协）会调解组织建设",
    "调解员队伍建设",
    "规范化建设",
    "信息化建设",
    "其他",
)

_INCIDENT_IND = dict(
    E=0.38, C=0.22, H=0.07, F=0.06, G=0.06, K=0.05, L=0.05, B=0.03, A=0.03, O=0.02, N=0.01, Q=0.01, I=0.01
)
_WARNING_IND = dict(
    E=0.28, C=0.24, H=0.09, F=0.08, G=0.06, K=0.06, L=0.06, B=0.03, A=0.03, O=0.03, N=0.02, Q=0.01, I=0.01
)

_ZIHAO = (
    "鑫源",
    "宏达",
    "恒泰",
    "华信",
    "金鼎",
    "盛世",
    "永兴",
    "东方",
    "北方",
    "瑞丰",
    "龙腾",
    "嘉禾",
    "信诚",
    "长兴",
    "天宇",
    "博远",
    "顺达",
    "兴隆",
    "汇丰",
    "富源",
    "宏盛",
    "鼎盛",
    "泰和",
    "亿丰",
    "华兴",
    "金泰",
    "新世纪",
    "万通",
    "佳合",
    "恒通",
    "润达",
    "聚丰",
    "中泽",
    "广源",
    "盛达",
    "利民",
    "辰龙",
    "昊天",
    "松江",
    "长白",
    "关东",
    "雪域",
    "吉祥",
    "福瑞",
    "众诚",
    "益民",
    "安泰",
    "海川",
)
_TRADES = {
    "A": ("农业发展", "人参种植", "牧业", "林业开发", "渔业"),
    "B": ("矿业", "煤业", "石材开采", "硅藻土开发"),
    "C": ("汽车零部件", "机械制造", "食品", "化工", "木业", "药业", "钢铁", "纺织", "农产品加工", "建材", "铸造"),
    "D": ("热力", "供水", "燃气", "电力工程"),
    "E": ("建筑工程", "建设工程", "市政工程", "建筑劳务", "装饰工程", "路桥工程", "建筑安装工程"),
    "F": ("商贸", "百货", "超市", "贸易", "医药连锁", "农资"),
    "G": ("物流", "运输", "客运", "快递服务", "仓储"),
    "H": ("餐饮管理", "酒店管理", "餐饮服务", "宾馆"),
    "I": ("网络科技", "信息技术", "软件"),
    "J": ("融资担保", "小额贷款"),
    "K": ("房地产开发", "物业服务", "置业"),
    "L": ("劳务派遣", "人力资源服务", "企业管理咨询", "保安服务"),
    "M": ("工程设计", "检测技术", "农业科技"),
    "N": ("环境卫生服务", "园林绿化", "水利工程"),
    "O": ("家政服务", "洗浴服务", "汽车维修"),
    "P": ("职业培训学校", "教育咨询"),
    "Q": ("医院管理", "养老服务"),
    "R": ("文化传媒", "体育发展", "旅游开发"),
    "S": ("社会服务",),
    "T": ("国际交流服务",),
}

_SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "赵",
    "黄",
    "周",
    "吴",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "林",
    "高",
    "罗",
    "金",
    "崔",
    "朴",
    "于",
    "韩",
    "田",
    "曲",
    "郑",
    "冯",
    "姜",
)
_GIVEN = (
    "丽",
    "伟",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "海燕",
    "雪",
    "晶",
    "鹏",
    "宇",
    "欣",
    "婷",
    "浩",
    "颖",
    "红梅",
    "立新",
    "建国",
    "春雨",
    "志强",
    "玉兰",
    "冬梅",
    "文杰",
    "洪波",
    "英子",
    "美兰",
    "晓东",
    "玉梅",
)
_TITLES = ("科长", "副局长", "主任", "副主任", "股长")

# pinyin initials for ledger task ids (unique only within a region, as forms.md requires)
_TASK_PREFIX = {
    "220100": "CC",
    "220102": "NG",
    "220103": "KC",
    "220104": "CY",
    "220105": "ED",
    "220106": "LY",
    "220112": "SY",
    "220113": "JT",
    "220122": "NA",
    "220171": "JK",
    "220172": "JY",
    "220173": "GX",
    "220174": "QK",
    "220182": "YS",
    "220183": "DH",
    "220184": "GZL",
    "220200": "JL",
    "220202": "CY",
    "220203": "LT",
    "220204": "CYQ",
    "220211": "FM",
    "220221": "YJ",
    "220271": "JJ",
    "220272": "JG",
    "220273": "SP",
    "220281": "JH",
    "220282": "HD",
    "220283": "SL",
    "220284": "PS",
    "220300": "SP",
    "220302": "TX",
    "220303": "TD",
    "220322": "LS",
    "220323": "YT",
    "220382": "SL",
    "220400": "LY",
    "220402": "LS",
    "220403": "XA",
    "220421": "DF",
    "220422": "DL",
    "220500": "TH",
    "220502": "DC",
    "220503": "EDJ",
    "220521": "THX",
    "220523": "HN",
    "220524": "LH",
    "220581": "MHK",
    "220582": "JA",
    "220600": "BS",
    "220602": "HJ",
    "220605": "JY",
    "220621": "FS",
    "220622": "JYX",
    "220623": "CB",
    "220681": "LJ",
    "220700": "SY",
    "220702": "NJ",
    "220721": "QG",
    "220722": "CL",
    "220723": "QA",
    "220771": "SJ",
    "220781": "FY",
    "220800": "BC",
    "220802": "TB",
    "220821": "ZL",
    "220822": "TY",
    "220871": "BJ",
    "220881": "TN",
    "220882": "DA",
    "222400": "YB",
    "222401": "YJ",
    "222402": "TM",
    "222403": "DH",
    "222404": "HC",
    "222405": "LJ",
    "222406": "HL",
    "222424": "WQ",
    "222426": "AT",
    "229901": "CBS",
}

# ledger task templates: category -> (task text, target range or None, playbook)
_TASKS = {
    "企业调解委员会建设": (
        ("推动规模以上企业依法设立劳动争议调解委员会", (20, 80), "《企业劳动争议调解委员会组建操作手册》"),
        ("已建工会百人以上企业调解委员会“应建尽建”", (10, 50), "《企业调解委员会标准化建设模板》"),
        ("组建小微企业联合调解委员会", (2, 8), "《小微企业联合调解操作指引》"),
        ("推动工业园区建立劳动争议调解组织", (1, 5), "《园区调解组织建设指引》"),
    ),
    "乡镇（街道）调解中心建设": (
        ("依托综治中心推进乡镇（街道）调解中心实体化建设", (4, 20), "《乡镇（街道）调解中心标准化建设模板》"),
        ("设立乡镇（街道）劳动人事争议接待窗口", (4, 20), "《接待窗口服务规范》"),
    ),
    "仲裁院调解中心建设": (
        ("仲裁院调解中心入驻综治中心", (1, 1), "《仲裁院调解中心工作规程》"),
        ("建立仲裁委托调解工作机制", None, "《委派委托调解工作流程》"),
    ),
    "商（协）会调解组织建设": (
        ("会同工商联指导行业商（协）会建立调解组织", (3, 12), "《商（协）会调解组织建设指引》"),
    ),
    "调解员队伍建设": (
        ("开展调解员业务轮训", (50, 300), "《调解员培训标准课件》"),
        ("建立调解员名册并动态管理", (30, 150), "《调解员名册管理办法（模板）》"),
    ),
    "规范化建设": (
        ("调解组织“六有”规范化建设达标", (5, 20), "《调解组织规范化建设评估标准》"),
        ("统一调解文书格式和案卷归档标准", None, "《劳动人事争议调解文书示范文本》"),
    ),
    "信息化建设": (
        ("推广应用全国“互联网+调解”服务平台", (5, 30), "《“互联网+调解”平台操作手册》"),
        ("建立劳动关系风险监测预警信息台账", None, "《风险监测预警工作规程》"),
    ),
    "其他": (
        ("开展根治欠薪冬季专项行动", None, "《根治欠薪专项行动工作方案》"),
        ("开展重大集体劳动争议应急处置演练", (1, 2), "《集体劳动争议应急处置预案》"),
    ),
}
_CATEGORY_P = (0.24, 0.14, 0.10, 0.10, 0.14, 0.10, 0.10, 0.08)
_RESPONSIBLE = ("县总工会、县工商联", "乡镇（街道）综治中心", "劳动人事争议仲裁院", "工商业联合会", "人社局调解仲裁股")
_PROGRESS = {
    1: ("已召开专班会议部署，印发实施方案", "已明确责任分工和时间节点"),
    2: ("正在推进，已完成摸底排查，完成{done}", "正在推进落实，已完成{done}", "进度滞后，已下发督办单，计划下月完成"),
    3: ("专班正在开展督导检查，已完成{done}", "已开展实地督导检查，问题正在整改"),
    4: ("已完成{done}，正在组织考核评估", "考核评估中，待专班验收"),
    5: ("已按期完成，经专班验收闭环销号", "已完成全部任务，闭环销号"),
}
_EVIDENCE = {
    1: (None, "实施方案", "会议纪要"),
    2: ("推进台账", "工作简报", None),
    3: ("督导检查记录表", "整改清单"),
    4: ("考核评估表", "评估报告"),
    5: ("验收材料、照片", "评估表", "培训通知、签到表", "入驻通知、排班表", "联合调委会章程"),
}

_INCIDENT_NOTES = {
    "未化解": (
        "已成立工作专班，约谈企业负责人，督促制定清偿计划",
        "已启动应急处置预案，专班进驻企业",
        "正在核实欠薪金额和人数，劳动者情绪基本稳定",
    ),
    "处置中": (
        "已进驻调解，企业分批支付，剩余部分约定下月结清",
        "已调解达成初步协议，督促企业履行",
        "已移交劳动保障监察立案查处",
        "企业已支付部分款项，剩余款项协商中",
    ),
    "已化解": (
        "经调解达成协议，款项已全部支付到位",
        "已全额支付拖欠工资，劳动者撤回投诉",
        "经仲裁审查确认调解协议，已履行完毕",
        "已动用工资保证金垫付解决",
    ),
}


def _short_name(row: dict) -> str:
    """A short display name for texts: 伊通县 for 伊通满族自治县, 延边州 for the prefecture."""
    for a in (row.get("aliases") or "").split(";"):
        if a and "(" not in a and a.endswith(("县", "州")):
            return a
    return row["name"]


def _weighted_choice(rng: np.random.Generator, keys, probs) -> str:
    return keys[int(rng.choice(len(keys), p=probs))]


def _norm(d: dict) -> tuple[tuple, np.ndarray]:
    keys = tuple(d)
    p = np.array([d[k] for k in keys], dtype=float)
    return keys, p / p.sum()


_INC_KEYS, _INC_P = _norm(_INCIDENT_IND)
_WARN_KEYS, _WARN_P = _norm(_WARNING_IND)


@functools.lru_cache(maxsize=1)
def _static_units() -> tuple[tuple[str, tuple[dict, ...]], ...]:
    """The real province's reporting units in csv order: (unit_code, rows) with 市本级 first."""
    rows = [r for r in _base_rows() if r["kind"] != "province" and r["unit_code"]]
    order: list[str] = []
    for r in rows:
        if r["unit_code"] not in order:
            order.append(r["unit_code"])
    out = []
    for u in order:
        mine = [r for r in rows if r["unit_code"] == u]
        mine.sort(key=lambda r: 0 if r["code"] == u else 1)  # stable: the unit's own row first
        out.append((u, tuple(mine)))
    return tuple(out)


def _size(r: dict) -> float:
    f = lambda k: float(r.get(k) or 0)  # noqa: E731
    return 1.3 * f("streets") + f("towns") + 0.7 * f("townships") + 0.5 * f("township_like")


@functools.lru_cache(maxsize=1)
def _region_shares() -> dict[str, float]:
    """Deterministic share of the province's accepted disputes per region code."""
    w: dict[str, float] = {}
    for unit, rows in _static_units():
        demand = _UNIT_PROFILE.get(unit, _DEFAULT_PROFILE)["demand"]
        county_sum = 0.0
        for r in rows:
            if r["kind"] == "city":
                continue
            w[r["code"]] = max(_size(r), 1.0) * _KIND_DEMAND.get(r["kind"], 1.0) * demand
            county_sum += w[r["code"]]
        for r in rows:
            if r["kind"] == "city":
                w[r["code"]] = county_sum * _CITY_SELF_SHARE / (1 - _CITY_SELF_SHARE)
    total = sum(w.values())
    return {c: v / total for c, v in w.items()}


# --------------------------------------------------------------------------------------------------
# campaign ramp for form B
# --------------------------------------------------------------------------------------------------

# coverage checkpoints at month index 0 (2024-01), 11 (2024-12), 23 (2025-12), 47 (2027-12)
_CURVES = {
    "union": (0.50, 0.83, 0.94, 0.97),
    "above": (0.28, 0.55, 0.85, 0.93),
    "ch": (0.12, 0.36, 0.66, 0.80),
    "ac": (0.45, 0.80, 1.08, 1.10),
    "ah": (0.20, 0.55, 0.85, 0.95),
    "tc": (0.30, 0.58, 0.86, 0.94),
    "tw": (0.55, 0.78, 0.94, 0.98),
    "park": (0.30, 0.60, 0.82, 0.90),
    "joint": (0.15, 0.50, 0.85, 1.00),
    "legal": (0.30, 0.60, 0.90, 1.00),
    "liaison": (0.20, 0.55, 0.90, 1.00),
}
_CURVE_X = (0.0, 11.0, 23.0, 47.0)
# (stock key, base key, curve)
_B_MEASURES = (
    ("above_scale_with_committee", "above_scale_enterprises", "above"),
    ("union_100_with_committee", "union_100_enterprises", "union"),
    ("parks_with_org", "parks", "park"),
    ("township_centers", "townships", "tc"),
    ("township_windows", "townships", "tw"),
    ("arbitration_with_center", "arbitration_courts", "ac"),
    ("arbitration_in_hub", "arbitration_courts", "ah"),
    ("chambers_with_org", "chambers", "ch"),
    ("joint_committees", "joint_max", "joint"),
    ("legal_stations", "legal_max", "legal"),
    ("small_firm_liaisons", "liaison_max", "liaison"),
)
# form B's figures, from its definition (forms are data: a new column there is simulated here too)
B_KEYS = tuple(c.key for c in load_form("B").sheet("组织建设").columns if c.type == "int")


@functools.lru_cache(maxsize=8192)
def _curve(name: str, mi: int) -> float:
    return float(np.interp(mi, _CURVE_X, _CURVES[name]))


def _progress(mi: int) -> float:
    """0 at 2024-01, 1 at 2025-12."""
    return min(1.0, mi / 23.0)


# --------------------------------------------------------------------------------------------------
# one reporting unit of one copy of the province
# --------------------------------------------------------------------------------------------------


class _Unit:
    def __init__(self, seed: int, k: int, ui: int, unit: str, rows: tuple[dict, ...]):
        self.seed, self.k, self.ui = seed, k, ui
        self.base_unit = unit
        self.unit_code = _copy_code(unit, k)
        self.profile = _UNIT_PROFILE.get(unit, _DEFAULT_PROFILE)
        self.rows = rows
        self.codes = [_copy_code(r["code"], k) for r in rows]
        self.names = [
            (_copy_name(r["name"], k) + "本级") if r["kind"] == "city" else _copy_name(r["name"], k) for r in rows
        ]
        self.short = [_short_name(r) for r in rows]
        self.kinds = [r["kind"] for r in rows]
        self.unit_short = _short_name(rows[0])
        n = self.n = len(rows)
        setup = np.random.default_rng([seed, k, ui, 0])
        self.rng = np.random.default_rng([seed, k, ui, 1])  # state stream (B, incidents, warnings, ledger, timing)

        # ---- form A static parameters
        shares = _region_shares()
        persist = setup.lognormal(0.0, 0.12, n)
        self.lam_share = np.array([shares[r["code"]] for r in rows]) * persist
        self.unit_share = float(self.lam_share.sum())
        self.region_p = self.lam_share / self.unit_share
        self.part_shares = np.array([_PART_SHARES.get(kd, _PART_SHARES["county"]) for kd in self.kinds])
        self.succ_off = setup.normal(0.0, 0.03, n)
        self.court_rate = setup.uniform(0.05, 0.14, n)
        self.arb_rate = setup.uniform(0.42, 0.58, n)
        self.online_off = setup.uniform(-0.04, 0.06, n)
        self.amount_pw = self.profile["amount"] * setup.lognormal(0.0, 0.08, n)
        ind = np.array([[_IND_BASE[c] for c in INDUSTRIES] for _ in rows]) * setup.lognormal(0.0, 0.25, (n, 20))
        ci = {c: i for i, c in enumerate(INDUSTRIES)}
        for i, r in enumerate(rows):
            kd = r["kind"]
            if kd == "zone":
                ind[i, ci["C"]] *= 2.0
                ind[i, ci["A"]] *= 0.2
            elif kd == "district":
                ind[i, ci["F"]] *= 1.3
                ind[i, ci["H"]] *= 1.3
                ind[i, ci["A"]] *= 0.3
            elif kd in ("county", "county_city"):
                ind[i, ci["A"]] *= 2.5
            elif kd == "special":
                ind[i, ci["H"]] *= 2.0
                ind[i, ci["R"]] *= 3.0
            if unit in ("220600", "222400", "229901", "220500"):
                ind[i, ci["B"]] *= 2.0
            if unit == "220100":
                ind[i, ci["C"]] *= 1.3
        ind[:, ci["T"]] = 0.0
        self.ind_base = ind
        self.e_idx = ci["E"]
        self.coll_bias = np.array([_COLLECTIVE_BIAS.get(c, 0.7) for c in INDUSTRIES])

        # ---- form B static parameters
        self.b_base: list[dict] = []
        self.b_theta = setup.random((n, len(_B_MEASURES)))
        self.b_off = setup.normal(0.0, 0.05, (n, len(_B_MEASURES)))
        lag = self.profile["lag"]
        self.lag = lag
        for r in rows:
            kd, size = r["kind"], _size(r)
            tws = int(r["streets"] or 0) + int(r["towns"] or 0) + int(r["townships"] or 0)
            if kd == "city":
                above = int(setup.integers(15, 60))
                parks, chambers, courts = int(setup.integers(0, 3)), int(setup.integers(12, 35)), 1
                med = int(setup.integers(50, 130))
            elif kd == "district":
                above = int(size * setup.uniform(3.0, 8.0)) + 10
                parks, chambers, courts = int(setup.integers(1, 5)), int(setup.integers(6, 18)), 1
                med = int(20 + size * setup.uniform(2.5, 4.5))
            elif kd == "zone":
                above = int(setup.integers(60, 220) * (1.3 if unit == "220100" else 0.8))
                parks, chambers = int(setup.integers(1, 4)), int(setup.integers(2, 8))
                courts = 1 if setup.random() < 0.4 else 0
                med = int(15 + size * setup.uniform(2.5, 4.0))
            elif kd == "special":
                above, parks, chambers, courts = int(setup.integers(8, 16)), 1, int(setup.integers(3, 7)), 1
                med = int(setup.integers(15, 30))
            else:
                above = int(size * setup.uniform(1.5, 4.0)) + 5
                parks, chambers, courts = int(setup.integers(1, 4)), int(setup.integers(4, 15)), 1
                med = int(20 + size * setup.uniform(2.0, 4.0))
            union = min(int(above * setup.uniform(0.45, 0.85)) + int(setup.integers(3, 15)), above + 30)
            self.b_base.append(
                dict(
                    above_scale_enterprises=above,
                    union_100_enterprises=union,
                    parks=parks,
                    chambers=chambers,
                    arbitration_courts=courts,
                    townships=tws,
                    mediators0=med,
                    joint_max=max(1, int(size / 3) + int(setup.integers(1, 4))),
                    legal_max=int(setup.integers(2, 9)),
                    liaison_max=int(max(size, 3) * setup.uniform(3.0, 7.0)),
                    ft0=setup.uniform(0.12, 0.22),
                    ros0=setup.uniform(0.60, 0.78),
                )
            )
        self.b_state: list[dict] | None = None

        # ---- clerks, ledger regions
        self.clerks = [
            _SURNAMES[int(setup.integers(len(_SURNAMES)))] + _GIVEN[int(setup.integers(len(_GIVEN)))] for _ in range(2)
        ]
        if n == 1:
            self.ledger_regions = [0]
            self.ledger_p = np.array([1.0])
        else:
            kcount = min(n - 1, int(setup.integers(2, 5)))
            picks = sorted(int(x) for x in setup.choice(np.arange(1, n), size=kcount, replace=False))
            self.ledger_regions = [0] + picks
            p = np.array([0.45] + [0.55 / kcount] * kcount)
            self.ledger_p = p / p.sum()
        self.task_counter = [0] * n
        self.leaders = {
            i: [
                f"{_SURNAMES[int(setup.integers(len(_SURNAMES)))]}"
                f"{_GIVEN[int(setup.integers(len(_GIVEN)))]}（{_TITLES[int(setup.integers(len(_TITLES)))]}）"
                for _ in range(3)
            ]
            for i in self.ledger_regions
        }

        # ---- dynamic state
        self.incidents: list[dict] = []
        self.warnings: list[dict] = []
        self.tasks: list[dict] = []
        self.mi = -1

    # ------------------------------------------------------------------ helpers
    def _employer(self, rng: np.random.Generator, ri: int, industry: str) -> tuple[str, str]:
        trade = _TRADES[industry][int(rng.integers(len(_TRADES[industry])))]
        zihao = _ZIHAO[int(rng.integers(len(_ZIHAO)))]
        u = rng.random()
        kind = self.kinds[ri]
        city_short = "长白山" if self.rows[0]["kind"] == "special" else self.unit_short
        unit_self = kind in ("city", "special") or self.rows[ri]["unit_code"] == self.rows[ri]["code"]
        if u < 0.35:
            prefix = "吉林省"
        elif unit_self or kind == "zone":
            prefix = city_short
        elif u < 0.7 and kind != "county_city":  # 通化市柳河县…; a county-level city stands alone
            prefix = city_short + self.short[ri]
        else:
            prefix = self.short[ri]
        v = rng.random()
        suffix = "有限公司" if v < 0.82 else ("有限责任公司" if v < 0.95 else "股份有限公司")
        name = f"{prefix}{zihao}{trade}{suffix}"
        return name, make_credit_code(self.codes[ri], rng)

    def _pick_region(self, rng: np.random.Generator) -> int:
        return int(rng.choice(self.n, p=self.region_p)) if self.n > 1 else 0

    # ------------------------------------------------------------------ monthly state evolution
    def advance(self, mi: int, new_incidents: int, new_warnings: int) -> None:
        """Evolve the stateful parts (B, incidents, warnings, ledger) to month ``mi``."""
        assert mi == self.mi + 1
        self.mi = mi
        rng = self.rng
        self._advance_b(mi, rng)
        self._advance_incidents(mi, rng, new_incidents)
        self._advance_warnings(mi, rng, new_warnings)
        self._advance_ledger(mi, rng)

    # ---- form B
    def _advance_b(self, mi: int, rng: np.random.Generator) -> None:
        pf = _progress(mi)
        lag = self.lag
        first = self.b_state is None
        if first:
            self.b_state = [dict.fromkeys(B_KEYS, 0) for _ in range(self.n)]
        elif mi % 12 == 0:  # January: enterprise registers updated (never shrink)
            for base in self.b_base:
                base["above_scale_enterprises"] += int(rng.binomial(base["above_scale_enterprises"], 0.03))
                base["union_100_enterprises"] += int(rng.binomial(base["union_100_enterprises"], 0.02))
                if rng.random() < 0.3:
                    base["chambers"] += int(rng.integers(1, 3))
                if rng.random() < 0.05:
                    base["parks"] += 1
        lag_start = 1.0 if lag >= 0.95 else 0.85
        for i in range(self.n):
            base, st = self.b_base[i], self.b_state[i]
            for j, (key, base_key, curve) in enumerate(_B_MEASURES):
                b = base[base_key]
                start = _CURVES[curve][0] * lag_start
                c = start + (_curve(curve, mi) - _CURVES[curve][0]) * lag + self.b_off[i, j] * pf
                c = min(max(c, 0.0), 1.0)
                v = int(b * c + self.b_theta[i, j])
                v = min(b, max(st[key], v))
                if key == "legal_stations":
                    v = max(v, 1)
                st[key] = v
            for key in (
                "above_scale_enterprises",
                "union_100_enterprises",
                "parks",
                "chambers",
                "arbitration_courts",
                "townships",
            ):
                st[key] = base[key]
            grow = 1.0 + 0.40 * lag * pf + 0.004 * max(0, mi - 23)
            med = max(st["mediators"], int(round(base["mediators0"] * grow)))
            ft = min(med, max(st["mediators_fulltime"], int(round(med * (base["ft0"] + 0.12 * pf * lag)))))
            ros = min(med, max(st["mediators_rostered"], int(round(med * min(0.97, base["ros0"] + 0.25 * pf * lag)))))
            st["mediators"], st["mediators_fulltime"], st["mediators_parttime"] = med, ft, med - ft
            st["mediators_rostered"] = ros
            train_rate = 0.35 if mi % 12 in (2, 5, 8, 10) else 0.06
            st["trained"] = int(rng.poisson(med * train_rate))

    # ---- 重大集体争议
    def _advance_incidents(self, mi: int, rng: np.random.Generator, n_new: int) -> None:
        start, end = _month_bounds(mi)
        keep = []
        for inc in self.incidents:
            if inc["status"] == "已化解":
                continue  # reported resolved last month: dropped
            age = mi - inc["first_mi"]
            u = rng.random()
            if inc["status"] == "未化解":
                new = "处置中" if u < 0.55 else ("已化解" if u < 0.70 else "未化解")
            else:
                new = "已化解" if u < 0.45 else "处置中"
            if age >= 6:
                new = "已化解"
            inc["status"] = new
            if new == "已化解":
                inc["resolved_on"] = _rand_date(rng, max(start, inc["occurred_on"]), end)
            inc["notes"] = _INCIDENT_NOTES[new][int(rng.integers(len(_INCIDENT_NOTES[new])))]
            keep.append(inc)
        self.incidents = keep
        for _ in range(n_new):
            self.incidents.append(self._new_incident(mi, rng))

    def _new_incident(self, mi: int, rng: np.random.Generator) -> dict:
        start, end = _month_bounds(mi)
        # sometimes an open 拖欠工资 warning turns into a collective dispute
        open_w = [w for w in self.warnings if w["status"] != "已办结" and w["risk_type"] == "拖欠工资"]
        if open_w and rng.random() < 0.3:
            w = open_w[int(rng.integers(len(open_w)))]
            ri, employer, credit, industry = w["ri"], w["employer"], w["credit_code"], w["industry"]
        else:
            ri = self._pick_region(rng)
            industry = _weighted_choice(rng, _INC_KEYS, _INC_P)
            employer, credit = self._employer(rng, ri, industry)
        if rng.random() < 0.15:
            occurred = _rand_date(rng, start - timedelta(days=10), start - timedelta(days=1))
        else:
            occurred = _rand_date(rng, start, end)
        dispute = DISPUTE_TYPES[int(rng.choice(len(DISPUTE_TYPES), p=_DISPUTE_P))]
        u = rng.random()
        escalated = "否"
        if u < 0.18:  # collective dispute below the 重大 threshold
            workers = int(rng.integers(10, 30))
            amount = min(99.0, workers * rng.uniform(0.5, 3.0))
        elif u < 0.33:  # fewer than 30 workers but large amount or escalation
            workers = int(rng.integers(12, 30))
            if rng.random() < 0.5:
                amount = 100.0 + workers * rng.uniform(1.0, 5.0)
            else:
                amount = workers * rng.uniform(1.0, 3.0)
                escalated = "是"
        else:
            workers = int(min(600, 30 + rng.geometric(1 / 35.0) - 1))
            per = rng.uniform(0.8, 3.5) if dispute != "经济补偿" else rng.uniform(2.0, 6.0)
            amount = workers * per
            escalated = "是" if rng.random() < 0.22 else "否"
        r = rng.random()
        status = "未化解" if r < 0.55 else ("处置中" if r < 0.90 else "已化解")
        inc = dict(
            ri=ri,
            occurred_on=occurred,
            employer=employer,
            credit_code=credit,
            industry=industry,
            workers=workers,
            amount_wan=round(float(amount), 2),
            dispute_type=dispute,
            escalated=escalated,
            status=status,
            resolved_on=None,
            first_mi=mi,
            notes=_INCIDENT_NOTES[status][int(rng.integers(len(_INCIDENT_NOTES[status])))],
        )
        if status == "已化解":
            inc["resolved_on"] = _rand_date(rng, max(start, occurred), end)
        return inc

    # ---- 预警信息
    def _advance_warnings(self, mi: int, rng: np.random.Generator, n_new: int) -> None:
        start, end = _month_bounds(mi)
        keep = []
        for w in self.warnings:
            if w["status"] == "已办结":
                continue
            u = rng.random()
            if w["status"] == "未处置":
                new = "处置中" if u < 0.5 else ("已办结" if u < 0.85 else "未处置")
            else:
                new = "已办结" if u < 0.65 else "处置中"
            if mi - w["first_mi"] >= 4:
                new = "已办结"
            w["status"] = new
            if new == "已办结":
                w["closed_on"] = _rand_date(rng, max(start, w["found_on"]), end)
            keep.append(w)
        self.warnings = keep
        for _ in range(n_new):
            self.warnings.append(self._new_warning(mi, rng))

    def _new_warning(self, mi: int, rng: np.random.Generator) -> dict:
        start, end = _month_bounds(mi)
        ri = self._pick_region(rng)
        industry = _weighted_choice(rng, _WARN_KEYS, _WARN_P)
        employer, credit = self._employer(rng, ri, industry)
        risk = RISK_TYPES[int(rng.choice(len(RISK_TYPES), p=_RISK_P))]
        if risk == "拖欠工资":
            workers = int(5 + rng.geometric(1 / 30.0))
            amount = workers * rng.uniform(0.3, 2.5)
        elif risk == "欠缴社保":
            workers = int(rng.integers(10, 200))
            amount = workers * rng.uniform(0.2, 1.0)
        elif risk in ("停工停产", "关停搬迁"):
            workers = int(rng.integers(20, 400))
            amount = workers * rng.uniform(0.0, 1.5) if rng.random() < 0.7 else 0.0
        elif risk == "经济性裁员":
            workers = int(rng.integers(20, 300))
            amount = workers * rng.uniform(1.0, 5.0)
        else:
            workers = int(rng.integers(3, 80))
            amount = workers * rng.uniform(0.0, 1.0) if rng.random() < 0.5 else 0.0
        score = workers / 60.0 + amount / 120.0 + rng.normal(0.0, 0.4)
        level = "红" if score >= 5.5 else ("橙" if score >= 2.0 else ("黄" if score >= 0.6 else "蓝"))
        r = rng.random()
        status = "未处置" if r < 0.45 else ("处置中" if r < 0.80 else "已办结")
        found = _rand_date(rng, start, end)
        owner_kind = (
            "人社局劳动保障监察大队",
            "人社局调解仲裁股",
            "总工会",
            "住房和城乡建设局" if industry == "E" else "人社局劳动关系科",
        )
        owner = self.short[ri] + owner_kind[int(rng.integers(len(owner_kind)))]
        w = dict(
            ri=ri,
            found_on=found,
            employer=employer,
            credit_code=credit,
            industry=industry,
            risk_type=risk,
            workers=workers,
            amount_wan=round(float(amount), 2),
            level=level,
            owner=owner,
            status=status,
            closed_on=None,
            first_mi=mi,
        )
        if status == "已办结":
            w["closed_on"] = _rand_date(rng, found, end)
        return w

    # ---- 工作台账
    def _advance_ledger(self, mi: int, rng: np.random.Generator) -> None:
        start, end = _month_bounds(mi)
        self.tasks = [t for t in self.tasks if t["step"] < 5]  # closed last month: dropped
        p_adv = 0.42 * (0.6 + 0.4 * self.lag)
        for t in self.tasks:
            overdue = t["due_on"] < start  # the 专班 pushes overdue tasks harder
            if rng.random() < (0.65 if overdue else p_adv):
                t["step"] += 1
                self._task_update(t, mi, rng, start, end)
            elif rng.random() < 0.2:
                self._task_progress_text(t, rng)
        if mi == 0:
            for _ in range(int(rng.integers(8, 15))):
                self.tasks.append(self._new_task(mi, rng, step=int(rng.choice([1, 1, 2]))))
        else:
            n_new = int(rng.poisson(1.1))
            while len(self.tasks) + n_new < 8:
                n_new += 1
            n_new = min(n_new, max(0, 20 - len(self.tasks)))
            for _ in range(n_new):
                self.tasks.append(self._new_task(mi, rng, step=1))

    def _new_task(self, mi: int, rng: np.random.Generator, step: int) -> dict:
        start, end = _month_bounds(mi)
        ri = self.ledger_regions[int(rng.choice(len(self.ledger_regions), p=self.ledger_p))]
        cat = CATEGORIES[int(rng.choice(len(CATEGORIES), p=_CATEGORY_P))]
        text, trange, playbook = _TASKS[cat][int(rng.integers(len(_TASKS[cat])))]
        target = None
        if trange is not None and rng.random() < 0.85:
            target = int(rng.integers(trange[0], trange[1] + 1))
        self.task_counter[ri] += 1
        prefix = _TASK_PREFIX.get(self.rows[ri]["code"], "RW")
        is_self = self.kinds[ri] == "city"
        lead = (
            f"{'州' if self.unit_short.endswith('州') else '市'}人社局调解仲裁管理科"
            if is_self
            else f"{self.short[ri]}人社局"
        )
        created = _rand_date(rng, start, end)
        t = dict(
            ri=ri,
            task_id=f"{prefix}-{self.task_counter[ri]:02d}",
            task=text,
            category=cat,
            lead_unit=lead,
            responsible_unit=_RESPONSIBLE[int(rng.integers(len(_RESPONSIBLE)))],
            task_force_lead=self.leaders[ri][int(rng.integers(3))],
            playbook=playbook,
            target_value=target,
            done_value=(0 if target is not None else None),
            due_on=_month_end_after(created, int(rng.integers(3, 11))) - timedelta(days=int(rng.integers(0, 20))),
            step=step,
            progress="",
            closed_on=None,
            evidence=None,
            created_on=created,
        )
        self._task_update(t, mi, rng, start, end)
        return t

    def _task_update(self, t: dict, mi: int, rng: np.random.Generator, start: date, end: date) -> None:
        step = t["step"]
        if t["target_value"] is not None:
            lo, hi = {1: (0.0, 0.1), 2: (0.2, 0.6), 3: (0.5, 0.85), 4: (0.8, 1.0), 5: (1.0, 1.0)}[step]
            v = int(round(t["target_value"] * rng.uniform(lo, hi)))
            t["done_value"] = min(t["target_value"], max(t["done_value"] or 0, v))
        if step == 5:
            t["closed_on"] = _rand_date(rng, max(start, t["created_on"]), end)
        ev = _EVIDENCE[step]
        t["evidence"] = ev[int(rng.integers(len(ev)))]
        self._task_progress_text(t, rng)

    def _task_progress_text(self, t: dict, rng: np.random.Generator) -> None:
        texts = _PROGRESS[t["step"]]
        if t["done_value"] is None:
            texts = tuple(x for x in texts if "{done}" not in x) or texts
        t["progress"] = texts[int(rng.integers(len(texts)))].format(done=t["done_value"])

    # ------------------------------------------------------------------ sheets
    def form_a(self, mi: int) -> dict[str, list[dict]]:
        rng = np.random.default_rng([self.seed, self.k, self.ui, 2, mi])
        n = self.n
        codes, names = self.codes, self.names
        lam = self.lam_share * _province_level(mi) * rng.lognormal(0.0, 0.10, n)
        acc = rng.poisson(lam)
        pf = _progress(mi)
        shares = self.part_shares * np.array([1.0 + 0.25 * pf, 1.0, 1.0, 1.0 + 0.6 * pf, 1.0 - 0.2 * pf])
        shares = shares * rng.lognormal(0.0, 0.15, (n, 5))
        shares /= shares.sum(axis=1, keepdims=True)
        parts = rng.multinomial(acc, shares)
        cr = np.clip(rng.normal(0.95, 0.035, n), 0.86, 1.05)
        closed = np.rint(acc * cr).astype(np.int64)
        p = self.profile["success"] + min(0.05, 0.015 * mi / 12.0) + self.succ_off + rng.normal(0.0, 0.03, n)
        p = np.clip(p, 0.30, 0.93)
        pj = np.clip(p[:, None] * _PART_SUCCESS[None, :] * np.minimum(cr, 1.0)[:, None], 0.0, 0.98)
        sparts = rng.binomial(parts, pj)
        # industry split
        ind_p = self.ind_base.copy()
        ind_p[:, self.e_idx] *= _E_SEASON[mi % 12]
        ind_p /= ind_p.sum(axis=1, keepdims=True)
        ind = rng.multinomial(acc, ind_p)
        crate = 0.010 if mi % 12 in (0, 1, 11) else 0.005
        coll = rng.binomial(acc, crate)
        coll_ind = np.zeros_like(ind)
        coll_w_ind = np.zeros_like(ind)
        for i in np.nonzero(coll)[0]:
            avail = ind[i].astype(float)
            for _ in range(int(coll[i])):
                w = np.maximum(avail - coll_ind[i], 0) * self.coll_bias
                j = int(rng.choice(20, p=w / w.sum()))
                coll_ind[i, j] += 1
                coll_w_ind[i, j] += 10 + int(rng.geometric(1 / 14.0)) - 1
        indiv = ind - coll_ind
        extra = rng.binomial(indiv, 0.05) * 2
        workers_ind = indiv + extra + coll_w_ind
        court_p = self.court_rate * rng.uniform(0.85, 1.15, n)
        online_p = np.clip(0.10 + 0.22 * min(1.0, mi / 30.0) + self.online_off, 0.02, 0.9)
        arb_p = np.clip(self.arb_rate + rng.normal(0.0, 0.03, n), 0.35, 0.65)
        court = rng.binomial(acc, court_p)
        online = rng.binomial(acc, online_p)
        arb = rng.binomial(acc, arb_p)
        amount_pw = self.amount_pw * rng.lognormal(0.0, 0.12, n)

        acc_l, parts_l, closed_l, sparts_l = acc.tolist(), parts.tolist(), closed.tolist(), sparts.tolist()
        ind_l, coll_ind_l, workers_ind_l = ind.tolist(), coll_ind.tolist(), workers_ind.tolist()
        coll_w_l = coll_w_ind.sum(axis=1).tolist()
        court_l, online_l, arb_l = court.tolist(), online.tolist(), arb.tolist()
        rows_a, rows_i = [], []
        for i in range(n):
            a, c, sp = acc_l[i], closed_l[i], sparts_l[i]
            s = sum(sp)
            while s > c:  # 成功 is a subset of 结案
                j = max(range(5), key=sp.__getitem__)
                sp[j] -= 1
                s -= 1
            succ_by_ind = rng.multivariate_hypergeometric(ind[i], s).tolist() if s > 0 else [0] * 20
            workers = sum(workers_ind_l[i])
            review = int(rng.binomial(s, 0.06)) if s else 0
            judicial = int(rng.binomial(s - review, 0.05)) if s - review else 0
            row = {"region_code": codes[i], "region_name": names[i], "accepted_total": a}
            for key, v in zip(PART_KEYS, parts_l[i]):
                row["accepted_" + key] = v
            row["closed_total"] = c
            row["succeeded_total"] = s
            for key, v in zip(PART_KEYS, sp):
                row["succeeded_" + key] = v
            row["workers"] = workers
            row["amount_wan"] = round(float(workers * amount_pw[i]), 2)
            row["collective_cases"] = int(sum(coll_ind_l[i]))
            row["collective_workers"] = int(coll_w_l[i])
            row["court_entrusted"] = court_l[i]
            row["online_accepted"] = online_l[i]
            row["arbitration_review"] = review
            row["judicial_confirmation"] = judicial
            row["arbitration_filed"] = arb_l[i]
            rows_a.append(row)
            ind_i, cind_i, wind_i = ind_l[i], coll_ind_l[i], workers_ind_l[i]
            for j in range(20):
                if ind_i[j]:
                    rows_i.append(
                        {
                            "region_code": codes[i],
                            "region_name": names[i],
                            "industry": INDUSTRIES[j],
                            "accepted": ind_i[j],
                            "succeeded": succ_by_ind[j],
                            "collective_cases": cind_i[j],
                            "workers": wind_i[j],
                        }
                    )
        incidents = [
            {
                "region_code": codes[x["ri"]],
                "region_name": names[x["ri"]],
                "occurred_on": x["occurred_on"],
                "employer": x["employer"],
                "credit_code": x["credit_code"],
                "industry": x["industry"],
                "workers": x["workers"],
                "amount_wan": x["amount_wan"],
                "dispute_type": x["dispute_type"],
                "escalated": x["escalated"],
                "status": x["status"],
                "resolved_on": x["resolved_on"],
                "notes": x["notes"],
            }
            for x in sorted(self.incidents, key=lambda x: (x["occurred_on"], x["ri"]))
        ]
        warnings = [
            {
                "region_code": codes[x["ri"]],
                "region_name": names[x["ri"]],
                "found_on": x["found_on"],
                "employer": x["employer"],
                "credit_code": x["credit_code"],
                "industry": x["industry"],
                "risk_type": x["risk_type"],
                "workers": x["workers"],
                "amount_wan": x["amount_wan"],
                "level": x["level"],
                "owner": x["owner"],
                "status": x["status"],
                "closed_on": x["closed_on"],
            }
            for x in sorted(self.warnings, key=lambda x: (x["found_on"], x["ri"]))
        ]
        return {"调解情况": rows_a, "分行业": rows_i, "重大集体争议": incidents, "预警信息": warnings}

    def form_b(self) -> dict[str, list[dict]]:
        rows = []
        for i in range(self.n):
            row = {"region_code": self.codes[i], "region_name": self.names[i]}
            row.update({k: int(self.b_state[i][k]) for k in B_KEYS})
            rows.append(row)
        return {"组织建设": rows}

    def form_c(self) -> dict[str, list[dict]]:
        order = {ri: pos for pos, ri in enumerate(self.ledger_regions)}
        tasks = sorted(self.tasks, key=lambda t: (order[t["ri"]], int(t["task_id"].rsplit("-", 1)[1])))
        return {
            "工作台账": [
                {
                    "task_id": t["task_id"],
                    "region_code": self.codes[t["ri"]],
                    "region_name": self.names[t["ri"]],
                    "task": t["task"],
                    "category": t["category"],
                    "lead_unit": t["lead_unit"],
                    "responsible_unit": t["responsible_unit"],
                    "task_force_lead": t["task_force_lead"],
                    "playbook": t["playbook"],
                    "target_value": t["target_value"],
                    "done_value": t["done_value"],
                    "due_on": t["due_on"],
                    "step": t["step"],
                    "progress": t["progress"],
                    "closed_on": t["closed_on"],
                    "evidence": t["evidence"],
                }
                for t in tasks
            ]
        }

    # ------------------------------------------------------------------ upload timing
    def timing(self, mi: int, last_month: bool) -> dict[str, tuple[datetime, str]]:
        """When and by whom each form of month ``mi`` was loaded (drawn every month, used or not)."""
        rng = self.rng
        late = rng.random() < self.profile["late"]
        nxt_start, nxt_end = _month_bounds(mi + 1)
        day_a = int(rng.integers(12, 21)) if late else int(rng.integers(3, 11))
        day_b = day_a if rng.random() < 0.7 else min(day_a + int(rng.integers(0, 3)), 20 if late else 10)
        day_c = int(rng.integers(12, 21)) if late else int(rng.integers(3, 11))
        if last_month:  # the most recent month: early uploads only
            day_a, day_b, day_c = min(day_a, 8), min(day_b, 8), min(day_c, 8)
        out = {}
        for form, day in (("A", day_a), ("B", day_b), ("C", day_c)):
            minute = (
                int(rng.integers(8 * 60 + 30, 17 * 60 + 30))
                if rng.random() < 0.93
                else int(rng.integers(19 * 60, 22 * 60))
            )
            ts = datetime(
                nxt_start.year,
                nxt_start.month,
                min(day, nxt_end.day),
                minute // 60,
                minute % 60,
                int(rng.integers(0, 60)),
            )
            clerk = self.clerks[0] if rng.random() < 0.8 else self.clerks[1]
            out[form] = (ts, clerk)
        return out


# --------------------------------------------------------------------------------------------------
# the simulation
# --------------------------------------------------------------------------------------------------


def _missing_picks(seed: int, k: int, m0: int, m1: int, unit_codes: list[str]) -> set[tuple[str, int, str]]:
    """One or two (unit, month, form) combinations never submitted in the run (excluding its last month).

    ``unit_codes`` are the candidates (the smaller units: a missing 长春 would halve the province's month).
    """
    months = list(range(m0, m1))  # the last month is handled by the pending rule
    if not months or not unit_codes:
        return set()
    rng = np.random.default_rng([seed, k, 3, m0, m1])
    want = 2 if len(months) >= 6 else 1
    picks: set[tuple[str, int, str]] = set()
    while len(picks) < want:
        picks.add(
            (
                unit_codes[int(rng.integers(len(unit_codes)))],
                months[int(rng.integers(len(months)))],
                "ABC"[int(rng.integers(3))],
            )
        )
    return picks


def simulate(first: str, last: str, seed: int = 2024, scale: int = 1) -> Iterator[Submission]:
    """Yield the submissions of every reporting unit for each month from ``first`` to ``last`` inclusive.

    Order: period by period; within a period copy by copy, unit by unit (csv order), forms A, B, C.
    A generator: only the per-unit state is held in memory, whatever ``scale`` and the number of months.
    """
    _check_scale(scale)
    m0, m1 = _parse_period(first), _parse_period(last)
    if m1 < m0:
        raise ValueError(f"last ({last}) is before first ({first})")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError("seed must be a non-negative int")
    return _simulate(int(seed), scale, m0, m1)


def _simulate(seed: int, scale: int, m0: int, m1: int) -> Iterator[Submission]:
    static = _static_units()
    units = [_Unit(seed, k, ui, u, rows) for k in range(scale) for ui, (u, rows) in enumerate(static)]
    shares = _region_shares()
    small = [u for u, rows in static if sum(shares[r["code"]] for r in rows) < 0.10]
    missing = set()
    for k in range(scale):
        missing |= _missing_picks(seed, k, m0, m1, [_copy_code(u, k) for u in small])
    n_units = len(static)
    unit_p = np.array([u.unit_share for u in units[:n_units]])
    unit_p /= unit_p.sum()
    for mi in range(0, m1 + 1):
        emit = mi >= m0
        period = _period_str(mi)
        new_inc, new_warn = [], []
        for k in range(scale):  # province-wide counts of new incidents / warnings, shared out by unit size
            rng = np.random.default_rng([seed, k, 4, mi])
            mo = mi % 12
            # binomial(2λ, ½): mean λ, half the Poisson variance — keeps months within a plausible band
            lam_i = _INCIDENTS_PER_MONTH * _INCIDENT_SEASON.get(mo, 1.0)
            lam_w = _WARNINGS_PER_MONTH * _WARNING_SEASON.get(mo, 1.0)
            n_inc = int(np.clip(rng.binomial(int(round(2 * lam_i)), 0.5), 2, 12))
            n_warn = int(np.clip(rng.binomial(int(round(2 * lam_w)), 0.5), 8, 26))
            new_inc.extend(rng.multinomial(n_inc, unit_p).tolist())
            new_warn.extend(rng.multinomial(n_warn, unit_p).tolist())
        for ui, unit in enumerate(units):
            unit.advance(mi, new_inc[ui], new_warn[ui])
            pending = mi == m1 and unit.base_unit in _PENDING_LAST_PERIOD
            times = unit.timing(mi, mi == m1)
            if not emit or pending:
                continue
            for form in "ABC":
                if (unit.unit_code, mi, form) in missing:
                    continue
                if form == "A":
                    sheets = unit.form_a(mi)
                elif form == "B":
                    sheets = unit.form_b()
                else:
                    sheets = unit.form_c()
                ts, clerk = times[form]
                yield Submission(unit.unit_code, period, form, sheets, ts, clerk)


if __name__ == "__main__":  # quick look: python -m etl.demo_data 2024-01 2026-10
    import sys
    import time

    a, b = (sys.argv[1:3] + ["2024-01", "2026-10"][len(sys.argv[1:3]) :])[:2]
    t0 = time.perf_counter()
    subs = list(simulate(a, b))
    print(f"{len(subs)} submissions in {time.perf_counter() - t0:.2f}s")
    by = {}
    for s in subs:
        d = by.setdefault(s.period, dict(units=set(), acc=0, clo=0, suc=0, inc=0, new_inc=0, warn=0, steps=[0] * 5))
        d["units"].add(s.unit_code)
        if s.form == "A":
            for r in s.sheets["调解情况"]:
                d["acc"] += r["accepted_total"]
                d["clo"] += r["closed_total"]
                d["suc"] += r["succeeded_total"]
            d["inc"] += len(s.sheets["重大集体争议"])
            d["warn"] += len(s.sheets["预警信息"])
        if s.form == "C":
            for r in s.sheets["工作台账"]:
                d["steps"][r["step"] - 1] += 1
    for p, d in by.items():
        print(p, len(d["units"]), d["acc"], f"{d['suc'] / max(d['clo'], 1):.3f}", d["inc"], d["warn"], d["steps"])
