"""Jobs of the privacy app (django-q2): building a data export."""

from __future__ import annotations

from django.utils import timezone

from privacy.services import data_export_build


def data_export_build_task(export_id: int) -> None:
    data_export_build(export_id=export_id, now=timezone.now())
