"""报表说明: every form's columns, rules and the measures, generated from the form definitions."""

import streamlit as st

from dashboard import forms_doc, layout
from dashboard.runtime import warehouse
from dashboard.session import current_viewer

current_viewer()  # signed-in users only (stops with a sign-in prompt otherwise)
layout.header("报表说明", warehouse(), "以下内容由系统内的报表定义自动生成，与模板、解析和校验使用同一份定义。")

tabs = st.tabs([f"{f.attachment} {f.title}" for f in forms_doc.forms()] + ["指标定义"])
for tab, form in zip(tabs, forms_doc.forms()):
    with tab:
        st.subheader("列")
        st.dataframe(forms_doc.column_table(form), hide_index=True, width="stretch")
        st.subheader("校验规则")
        st.dataframe(forms_doc.rule_table(form), hide_index=True, width="stretch")
with tabs[-1]:
    st.dataframe(forms_doc.measure_table(), hide_index=True, width="stretch")
