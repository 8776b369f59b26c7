"""Clicks of ``/r/<code>``, written after the response, in batches.

The redirect hands its click to ``click_submit`` from the response's closer (the server calls
it once the response was sent). With ``AFFILIATES_CLICK_FLUSH_SECONDS`` > 0 (the default) the
click joins an in-process buffer that a background thread writes every so often (or every
``FLUSH_BATCH`` clicks) with ``services.clicks_record_many``: one statement per batch on
PostgreSQL (the clicks and the reports' roll-ups, ``affiliates/rollups.py``) instead of a
transaction per click, so the redirect keeps its speed under load. At 0 (the
tests) each click is written at once, in the closer. A failed write is logged and retried
once with the next batch; it never reaches the visitor. The buffer is flushed when the
process exits normally (``atexit``: a gunicorn worker stopped by SIGTERM, a restart, a deploy,
``max_requests``), after waiting for a batch the thread is writing at that moment; a process
killed hard (SIGKILL, a crash) loses at most the last interval's clicks.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import deque

from django.conf import settings
from django.db import connection

from affiliates import services

logger = logging.getLogger(__name__)

FLUSH_BATCH = 500

_buffer: deque[dict] = deque()
_wake = threading.Event()
_lock = threading.Lock()
_writing = threading.Lock()  # one batch written at a time: the exit flush waits for the thread's
_thread: threading.Thread | None = None


def click_submit(click: dict) -> None:
    """Record ``click`` (the fields of ``services.clicks_record_many``) now or with the next batch."""
    interval = settings.AFFILIATES_CLICK_FLUSH_SECONDS
    if interval <= 0:
        services.clicks_record_many([click])
        return
    _buffer.append(click)
    _ensure_thread(interval)
    if len(_buffer) >= FLUSH_BATCH:
        _wake.set()


def flush() -> int:
    """Write what the buffer holds; returns how many clicks were written."""
    with _writing:
        batch = []
        while _buffer and len(batch) < FLUSH_BATCH * 4:
            batch.append(_buffer.popleft())
        if not batch:
            return 0
        try:
            services.clicks_record_many(batch)
        except Exception:
            logger.exception("%d clicks could not be written; retrying with the next batch", len(batch))
            if not any(c.get("_retried") for c in batch):
                _buffer.extendleft(reversed([{**c, "_retried": True} for c in batch]))
            return 0
        return len(batch)


def _run(interval: float) -> None:
    while True:
        _wake.wait(interval)
        _wake.clear()
        try:
            while flush():
                pass
        finally:
            connection.close()


def _ensure_thread(interval: float) -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    with _lock:
        if _thread is None or not _thread.is_alive():  # a new process (after fork) starts its own
            _thread = threading.Thread(target=_run, args=(interval,), name="affiliates-clicks", daemon=True)
            _thread.start()


@atexit.register
def _flush_at_exit() -> None:
    try:
        while flush():
            pass
    except Exception:  # the process is ending: log, never raise
        logger.exception("clicks left unwritten at exit")
