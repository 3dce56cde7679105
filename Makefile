# Quick start: `make run` (install + demo warehouse + app) and `make test` (install + tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= data/mediation.duckdb
PORT   ?= 8501

.PHONY: run test demo bench screenshots browser clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Debian Chromium + CJK fonts: for screenshots and the chart-render tests (skipped politely when not root).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	    else echo "提示：未安装 chromium / fonts-noto-cjk，相关测试将跳过"; fi; }

$(DB): | $(STAMP)
	$(BIN)/python -m etl demo --db $(DB)

demo: $(STAMP)
	$(BIN)/python -m etl demo --db $(DB)

# demo-accounts: one demo account per role (password demo1234, listed on the login page); it does nothing on a
# warehouse that already has a real administrator (made with `python -m etl user add NAME --role admin`).
# serve.py is the service (cookie sign-in, /healthz, scheduled jobs); MEDIATION_DEMO=1 tells it this is the demo,
# the only way it starts with demo accounts enabled (docs/deploy.md for a real server).
run: $(STAMP) $(DB)
	$(BIN)/python -m etl user demo-accounts --db $(DB)
	MEDIATION_DEMO=1 MEDIATION_DB=$(DB) $(BIN)/streamlit run serve.py --server.port $(PORT)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

screenshots: $(STAMP) browser
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) data .pytest_cache
