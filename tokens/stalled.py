"""Jobs of dead workers. A worker killed mid-job (SIGKILL, out of memory, a lost machine)
leaves its job "doing" for ever, and the job's lock ("token-reminders") then blocks every
later reminder run. procrastinate's workers write a heartbeat every 10 s; a job still
"doing" whose worker has not done so for STALLED_AFTER seconds (or whose worker row is
gone) is stalled: `retry_stalled_jobs` puts it back to "todo", which frees the lock, and
forgets the dead workers. It runs every minute (tokens/tasks.py), so a stalled job is
retried within STALLED_AFTER + 60 s of its worker's death, by whichever worker is alive
(the supervisor restarts a dead one, portal/worker_supervisor.py).

Retrying a reminder job is safe: a reminder is recorded before its mail is sent, so the
retry does not send it again (tokens/reminders.py).
"""

import logging

from procrastinate.manager import JobManager

log = logging.getLogger(__name__)

# Well above the heartbeat interval (10 s), so a worker that is merely slow for a moment
# (a long garbage collection, a busy machine) is not mistaken for a dead one.
STALLED_AFTER = 60.0


async def retry_stalled_jobs(manager: JobManager, after: float = STALLED_AFTER) -> list[int]:
    """Put the stalled jobs back to "todo" and delete the dead workers; their ids."""
    jobs = list(await manager.get_stalled_jobs(seconds_since_heartbeat=after))
    for job in jobs:
        log.warning("Retrying job %s (%s) of a worker that stopped.", job.id, job.task_name)
        await manager.retry_job(job)
    await manager.prune_stalled_workers(seconds_since_heartbeat=after)
    return [job.id for job in jobs if job.id is not None]
