"""审核: uploads waiting for this viewer's review, with what they change against the approved figures."""

import streamlit as st

from auth.sanitize import md_escape
from dashboard import layout
from dashboard import upload as up
from dashboard.format import period_label
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import compare, review

wh = warehouse()
viewer = current_viewer()
index = wh.region_index()
layout.header("审核", wh, "多级上报：县（市、区）上报由所属市（州）审核，市（州）上报由省级管理员审核。")

counts = review.pending_counts()
st.caption(
    "待审核的数据"
    + (
        "在审核期间已计入各看板，并标注“待审核”；退回后恢复显示原已审核的数据。"
        if counts
        else "在审核通过前不计入看板，看板显示原已审核的数据。"
    )
)

if viewer.role not in ("admin", "city"):
    if viewer.role == "county":
        st.info(
            "您上报的数据由所属市（州）审核。审核结果（通过或退回原因）会显示在“数据上报”页面。", icon=":material/info:"
        )
    else:
        st.info(
            "审核由市（州）填报员和省级管理员进行。您可以在各看板查看数据，待审核的数据会标注“待审核”。",
            icon=":material/info:",
        )
    st.stop()

flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

queue = review.review_queue(wh, viewer)
if not queue:
    st.success("目前没有等待您审核的上报。", icon=":material/task_alt:")
    st.stop()

st.markdown(f"**等待您审核：{len(queue)} 份**（按上报时间先后排列）")
people = up.person_names(wh)
for sub in queue:
    names = [compare.region_label(index, r) for r in sub.regions]
    where = "、".join(names[:5]) + (f" 等 {len(names)} 个地区" if len(names) > 5 else "")
    addressed = "" if sub.reviewer_role == viewer.role else "（县级上报，通常由市（州）审核）"
    with st.expander(
        f"{up.form_title(sub.form)} · {period_label(sub.period)} · {where}{addressed}",
        expanded=len(queue) <= 3,
        icon=":material/rate_review:",
    ):
        st.markdown(
            f"**上报人：** {md_escape(up.person(people, sub.loaded_by))}　**上报时间：** {sub.loaded_at:%Y-%m-%d %H:%M}　"
            f"**文件：** {md_escape(sub.file_name)}　**版本：** {sub.version_id}"
        )
        if sub.warnings:
            st.warning(f"上报时有 {sub.warnings} 条提示（不影响入库），请一并核实：", icon=":material/warning:")
            st.dataframe(up.version_warnings(wh, viewer, sub.version_id), hide_index=True, width="stretch")
        baseline = review.approved_baseline(wh, sub.version_id)
        changes = compare.compare_to_baseline(wh, sub.version_id, baseline)
        if all(v is None for v in baseline.values()):
            st.markdown("**与已审核数据对比：** 这些地区本期还没有审核通过的数据（首次报送）。")
        elif not changes:
            st.markdown("**与已审核数据对比：** 没有任何变化。")
        else:
            lines, rest = up.headline_changes(changes, sub.form, 8)
            st.markdown(f"**与已审核数据对比：变化 {len(changes)} 处**" + ("（先列主要指标）" if rest else ""))
            st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))
            if rest:
                st.dataframe(compare.changes_frame(changes), hide_index=True, width="stretch", height=250)
        original = wh.scalar(
            "select f.content from versions as v join files as f using (file_id) where v.version_id = ?",
            [sub.version_id],
        )
        if original:
            st.download_button(
                "下载上报的原文件",
                data=bytes(original),
                file_name=sub.file_name,
                key=f"orig_{sub.version_id}",
                icon=":material/download:",
            )
        c1, c2 = st.columns([1, 2])
        if c1.button("审核通过", type="primary", key=f"approve_{sub.version_id}"):
            try:
                review.approve(wh, sub.version_id, viewer)
            except review.ReviewError as err:
                st.error(str(err))
            else:
                st.session_state["review_flash"] = (
                    f"已审核通过：{up.form_title(sub.form)} · {period_label(sub.period)} · {where}。"
                )
                st.rerun()
        reason = c2.text_area(
            "退回原因（必填，填报单位会看到）",
            key=f"reason_{sub.version_id}",
            placeholder="例如：临江市调解成功数大于结案数，请核实后重报。",
        )
        if c2.button("退回", key=f"return_{sub.version_id}"):
            try:
                review.return_version(wh, sub.version_id, viewer, reason=reason)
            except review.ReviewError as err:
                c2.error(str(err))
            else:
                st.session_state["review_flash"] = (
                    f"已退回：{up.form_title(sub.form)} · {period_label(sub.period)} · {where}。填报单位会看到退回原因。"
                )
                st.rerun()
