"""The celery app of the claimhouse workers:

    celery -A pipelines.celery_app worker -Q dagster -n NAME@%h -P solo --prefetch-multiplier=1

dagster-celery's `execute_plan` task (one Dagster step per task), with the settings of
pipelines.cluster.celery_settings() and the broker and backend from the environment, and one guard:
a task runs at most once to its end. Tasks are acknowledged late, so Redis hands a task to a second
worker when its first worker died -- the point -- but also when it simply runs longer than the visibility
timeout. Each execution therefore holds a PostgreSQL advisory lock named after the task id while it
runs (released by the server when the worker's connection ends, also when the worker is killed) and
records the task in `claimhouse_celery_tasks` when it ends. A copy that finds the lock taken waits for it
(logged), then drops out (celery `Ignore`) when the task has been recorded as done; it runs the step
when the first worker died before the end.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time

import psycopg2
from celery import Celery
from celery.exceptions import Ignore
from dagster_celery.config import TASK_EXECUTE_PLAN_NAME
from dagster_celery.executor import CeleryExecutor
from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipelines.cluster import backend_url, broker_url, celery_settings

log = logging.getLogger("claimhouse.celery")

app = make_app(CeleryExecutor.for_cli(broker=broker_url(), backend=backend_url(),
                                      config_source=celery_settings()).app_args())

# dagster-celery's task body, registered on an app of its own so that `execute_plan` on `app` is ours
_dagster_execute_plan = create_task(Celery("dagster-celery-body", set_as_current=False), shared=False)

_TABLE = ("create table if not exists claimhouse_celery_tasks (task_id text primary key, "
          "worker text not null, finished_at timestamptz not null default now())")


def _pg():
    # DAGSTER_PG_URL names SQLAlchemy's driver (postgresql+psycopg2://): psycopg2 takes the plain URL
    url = os.environ["DAGSTER_PG_URL"].replace("postgresql+psycopg2://", "postgresql://", 1)
    con = psycopg2.connect(url, keepalives=1, keepalives_idle=10,
                           keepalives_interval=5, keepalives_count=3, application_name="claimhouse-celery")
    con.autocommit = True
    return con


@contextlib.contextmanager
def run_once(task_id: str, worker: str):
    """Yields True when this delivery of the task is to run it, False when another delivery did."""
    key = int.from_bytes(hashlib.sha256(task_id.encode()).digest()[:8], "big", signed=True)
    con = _pg()
    try:
        cur = con.cursor()
        for attempt in range(3):  # two workers creating the table at once: one of them retries
            try:
                cur.execute(_TABLE)
                break
            except psycopg2.Error:
                if attempt == 2:
                    raise
                time.sleep(0.5)
        cur.execute("select pg_try_advisory_lock(%s)", (key,))
        if not cur.fetchone()[0]:
            log.warning("task %s is running on another worker (handed out again after the visibility "
                        "timeout): waiting for it to end", task_id)
            started = time.monotonic()
            cur.execute("select pg_advisory_lock(%s)", (key,))
            log.warning("task %s: the other execution ended after %.0f s", task_id, time.monotonic() - started)
        cur.execute("select worker from claimhouse_celery_tasks where task_id = %s", (task_id,))
        done = cur.fetchone()
        if done:
            log.warning("task %s already ran to its end on %s: this copy is dropped", task_id, done[0])
            yield False
            return
        try:
            yield True
        finally:
            cur.execute("insert into claimhouse_celery_tasks (task_id, worker) values (%s, %s) "
                        "on conflict do nothing", (task_id, worker))
    finally:
        con.close()  # releases the advisory lock


@app.task(bind=True, name=TASK_EXECUTE_PLAN_NAME, acks_late=True, reject_on_worker_lost=True)
def execute_plan(self, execute_step_args_packed, executable_dict):
    with run_once(self.request.id, self.request.hostname) as first:
        if not first:
            raise Ignore()
        _dagster_execute_plan.push_request(id=self.request.id, hostname=self.request.hostname)
        try:
            return _dagster_execute_plan.run(execute_step_args_packed, executable_dict)
        finally:
            _dagster_execute_plan.pop_request()
