"""Celery tasks of the register import."""

from celery import shared_task

from suggestions.imports.importer import purge_stale_stashes


@shared_task(ignore_result=True)
def purge_stale_imports() -> int:
    """Beat task: staged workbooks nobody confirmed or cancelled."""
    return purge_stale_stashes()
