"""Jobs of the privacy app (django-q2): building a data export and saying it is ready; the daily retention
purge."""

from __future__ import annotations

from django.utils import timezone

from privacy.services import (
    data_export_build,
    data_export_ready_tell,
    merchant_closures_finish,
    retention_purge,
)


def data_export_build_task(export_id: int) -> None:
    data_export_build(export_id=export_id, now=timezone.now())


def data_export_ready_tell_task(export_id: int) -> None:
    data_export_ready_tell(export_id=export_id, now=timezone.now())


def retention_purge_daily() -> dict[str, int]:
    return retention_purge(now=timezone.now())


def merchant_closures_finish_daily() -> int:
    return merchant_closures_finish(now=timezone.now())
