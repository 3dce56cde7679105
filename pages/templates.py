"""模板下载: the form's template for the clerk's own unit and month, generated from the form definition."""

import streamlit as st

from dashboard import layout
from dashboard import upload as up
from dashboard.format import period_label
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from etl.formdefs import all_forms

wh = warehouse()
viewer = current_viewer()
layout.header("模板下载", wh, "按报表定义生成的 Excel 模板：表头、地区行、下拉选项和填表说明都已备好，填数即可上报。")

units = up.template_units(wh, viewer)
if not units:
    st.warning("您的账号没有设置所属地区，无法生成本单位模板。请联系省级管理员。", icon=":material/warning:")
    st.stop()

forms = {f.code: f for f in all_forms()}
c1, c2, c3 = st.columns([3, 2, 2])
form_code = c1.radio("报表", list(forms), format_func=lambda c: up.form_title(c), key="tpl_form")
periods = up.template_periods()
default = up.default_template_period()
period = c2.selectbox(
    "统计期",
    periods,
    index=periods.index(default) if default in periods else 0,
    format_func=period_label,
    placeholder="请选择",
    key="tpl_period",
    help="默认是上个月：每月10日前报送上月数据。",
)
labels = dict(units)
code = c3.selectbox(
    "填报单位",
    [c for c, _ in units],
    format_func=lambda c: labels[c],
    placeholder="请选择",
    key="tpl_unit",
    disabled=len(units) == 1,
)

content, file_name, region_names = up.make_template(wh, viewer, form_code, period, code)
st.download_button(
    f"下载模板：{file_name}",
    data=content,
    file_name=file_name,
    type="primary",
    key="tpl_download",
    icon=":material/download:",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

form = forms[form_code]
st.markdown("**模板里已经准备好：**")
unit_line = f"{labels[code]}人力资源和社会保障局" if code else "（请填写）"
lines = [
    f"标题、“填报单位：{unit_line}”和“统计期：{period_label(period)}”已填好；",
    f"工作表：{'、'.join(s.name + ('（必填）' if s.required else '（选填）') for s in form.sheets)}；",
]
if region_names and any(s.layout == "wide" for s in form.sheets):
    lines.append(f"地区行已按本单位列出（{len(region_names)} 行）：{'、'.join(region_names)}；")
elif any(s.layout != "wide" for s in form.sheets):
    lines.append("逐条填写的表（分行业、重大集体争议、预警信息、工作台账）每行一条，地区写名称或6位代码；")
choices = list(
    dict.fromkeys(c.title for s in form.sheets for c in s.columns if c.type in ("industry", "enum", "step", "yesno"))
)
if choices:
    lines.append(f"{'、'.join(choices)}等列有下拉选项；")
lines.append("表头已锁定，防止误改；“填表说明”工作表列出每一列的含义、单位和校验规则。")
st.markdown("\n".join(f"- {line}" for line in lines))
st.caption("填好后到“数据上报”页面上传。表头文字请勿修改；数字可带千分位；计数列空白按 0 处理。")
try:
    st.page_link("pages/upload.py", label="去上传", icon=":material/upload_file:")
except Exception:
    pass
