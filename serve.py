"""The service entry: `streamlit run serve.py` (make run) or `uvicorn serve:app` — app.py with cookie sign-in,
/healthz, JSON logs and the scheduled jobs (service/). `streamlit run app.py` still works for development,
with the per-connection sign-in of auth/gate.py."""

import streamlit as st

from service import web

app = st.App("app.py", routes=web.routes(), middleware=web.middleware(), lifespan=web.lifespan)
