"""Celery tasks of oversight: thin wrappers; the top of the app (exports name their task instead of importing it)."""

from celery import shared_task

from . import exports
from .dashboard import warm_committee_dashboards


@shared_task(acks_late=True, ignore_result=True)
def write_export(job_id: str) -> None:
    exports.run_job(job_id)


@shared_task(ignore_result=True)
def purge_expired_exports() -> int:
    return exports.purge_expired()


@shared_task(ignore_result=True)
def warm_dashboards() -> int:
    return warm_committee_dashboards()
