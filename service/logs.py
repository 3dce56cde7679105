"""Structured JSON logs on stdout: one line per request, page run, sign-in and job.

Fields: time, level, user, route or page, action, duration_ms, outcome (and a few named extras such as status).
Only the fields given to event() are written — never a password, a cookie, a form body or a file's contents.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

LOGGER = logging.getLogger("mediation.service")
FIELDS = ("user", "route", "page", "action", "duration_ms", "outcome", "status", "job", "detail")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        else:
            line["message"] = record.getMessage()
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(stream=None) -> logging.Logger:
    """Attach the JSON handler once (idempotent: the service may be started twice in one test process)."""
    if not any(getattr(h, "_mediation_json", False) for h in LOGGER.handlers):
        handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler._mediation_json = True  # type: ignore[attr-defined]
        LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    LOGGER.propagate = False
    return LOGGER


def event(action: str, *, outcome: str = "ok", level: int = logging.INFO, **fields) -> None:
    """Log one structured line; unknown field names are dropped so nothing unplanned is ever written."""
    kept = {k: v for k, v in fields.items() if k in FIELDS and v is not None}
    if "duration_ms" in kept:
        kept["duration_ms"] = round(float(kept["duration_ms"]), 1)
    LOGGER.log(level, action, extra={"fields": {"action": action, "outcome": outcome, **kept}})
