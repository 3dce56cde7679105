"""总览: the province's headline figures for the chosen month."""
import streamlit as st

from dashboard import common, format as fmt, layout, state
from dashboard.runtime import warehouse
from dashboard.session import current_viewer

wh = warehouse()
viewer = current_viewer()
fresh = layout.header("总览", wh, "吉林省劳动人事争议调解组织建设行动（吉人社联〔2024〕63号）")
periods = common.periods(wh)
if not periods:
    layout.empty_state()
    st.stop()
flt = state.filters(periods, common.region_choices(wh, viewer), show_industry=False)
row = wh.query("""
    select sum(accepted_total) as accepted, sum(closed_total) as closed, sum(succeeded_total) as succeeded,
           sum(arbitration_filed) as filed, sum(amount_wan) as amount_wan
    from v_mediation where period = ?
""", [flt.period]).row(0, named=True)
c1, c2, c3, c4 = st.columns(4)
c1.metric("受理案件数", fmt.count(row["accepted"], " 件"))
c2.metric("调解成功率", fmt.rate(row["succeeded"] / row["closed"] if row["closed"] else None),
          help="调解成功数 ÷ 调解结案数（附件1）", delta=None)
c3.caption(f"成功 {fmt.count(row['succeeded'])} / 结案 {fmt.count(row['closed'])}")
c4.metric("涉案金额", fmt.money_wan(row["amount_wan"]))
