from celery import shared_task

from . import exports


@shared_task(acks_late=True, ignore_result=True)
def write_export(job_id: str) -> None:
    exports.run_job(job_id)


@shared_task(ignore_result=True)
def purge_expired_exports() -> int:
    return exports.purge_expired()


@shared_task(ignore_result=True)
def warm_dashboards() -> int:
    from .dashboard import warm_committee_dashboards

    return warm_committee_dashboards()
