"""参数设置: the configuration in force (targets, thresholds, due day, formulas)."""
import streamlit as st

from dashboard import layout, settings_view
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from warehouse import config

current_viewer()  # signed-in users only (stops with a sign-in prompt otherwise)
layout.header("参数设置", warehouse(), "以下为当前生效的配置（config/settings.toml）。修改配置文件后重启应用即可生效；目标值与阈值均可按本省口径调整。")
settings = config.settings()
st.subheader("行动目标")
st.dataframe(settings_view.targets(settings), hide_index=True, width="stretch")
st.caption("通知（吉人社联〔2024〕63号）只提出“广泛”“普遍”建立，未给出具体比例；默认目标参照其他省份公开的目标（如海南、郑州规上企业 75%–80%）。")
st.subheader("参数与阈值")
st.dataframe(settings_view.parameters(settings), hide_index=True, width="stretch")
