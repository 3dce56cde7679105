"""参数设置: the configuration in force (targets, thresholds, due day, formulas) and the scheduled jobs."""

import streamlit as st

from dashboard import layout, settings_view
from dashboard.runtime import warehouse
from dashboard.session import current_viewer
from service import jobs
from warehouse import config

viewer = current_viewer()  # signed-in users only (stops with a sign-in prompt otherwise)
wh = warehouse()
admin = viewer.can_manage_accounts
layout.header("参数设置", wh, "以下为当前生效的行动目标、阈值和公式，由省级管理员按本省口径统一设定。")
if admin:  # only administrators change settings, so only they are told where
    st.caption(
        "修改方法：编辑服务器上的 `config/settings.toml`（下表“配置项”列为其中的位置），保存后重启平台服务即可生效。"
    )
settings = config.settings()
st.subheader("行动目标")
st.dataframe(settings_view.targets(settings), hide_index=True, width="stretch")
st.caption(
    "通知（吉人社联〔2024〕63号）只提出“广泛”“普遍”建立，未给出具体比例；默认目标参照其他省份公开的目标（如海南、郑州规上企业 75%–80%）。"
)
st.subheader("参数与阈值")
st.dataframe(settings_view.parameters(settings, for_admin=admin), hide_index=True, width="stretch")

st.subheader("定时任务")
scheduler = jobs.scheduler()
if viewer.can_manage_accounts:  # run on demand (administrators); the table below then shows this run
    columns = st.columns(len(jobs.JOBS))
    for column, (job_id, job) in zip(columns, jobs.JOBS.items()):
        if column.button(f"立即运行：{job.label}", key=f"run_job_{job_id}", width="stretch"):
            with st.spinner("正在运行……"):
                detail = jobs.run_job(wh, job_id, actor=viewer.name)
            if detail["outcome"] == "ok":
                st.success(f"“{job.label}”已完成。", icon=":material/check:")
runs = jobs.last_runs(wh)
if viewer.can_manage_accounts:
    for job_id in jobs.failed_jobs(wh):
        st.error(
            f"定时任务“{jobs.JOBS[job_id].label}”最近一次运行失败：{runs[job_id].get('message', '')}。"
            "请检查服务器日志和配置后点击上方“立即运行”重试。",
            icon=":material/error:",
        )
st.dataframe(
    settings_view.jobs_table(runs, scheduler.next_runs() if scheduler else None), hide_index=True, width="stretch"
)
st.caption(
    "时间按服务器本地时间；任务在平台服务内运行，每次运行记入审计日志。"
    + ("时间安排在 `config/settings.toml` 的 `[jobs]` 中设置。" if admin else "")
    + ("" if scheduler else "当前平台不是以服务方式运行，定时任务不会自动执行。")
)
