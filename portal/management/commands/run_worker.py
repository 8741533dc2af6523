"""`manage.py run_worker`: the task worker (`manage.py procrastinate worker`), restarted
with backoff whenever it exits (portal/worker_supervisor.py). `serve` and `serve
--production` run this; so can a systemd unit or a container (docs/operations.md)."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from portal.worker_supervisor import FIRST_DELAY, HEALTHY_AFTER, MAX_DELAY, Supervisor


class Command(BaseCommand):
    help = "Run the task worker and restart it, with backoff, whenever it exits."

    def add_arguments(self, parser):
        parser.add_argument("--first-delay", type=float, default=FIRST_DELAY)
        parser.add_argument("--max-delay", type=float, default=MAX_DELAY)
        parser.add_argument("--healthy-after", type=float, default=HEALTHY_AFTER)

    def handle(self, *args, **options):
        manage = str(settings.BASE_DIR / "manage.py")
        supervisor = Supervisor(
            [sys.executable, manage, "procrastinate", "worker"],
            first_delay=options["first_delay"],
            max_delay=options["max_delay"],
            healthy_after=options["healthy_after"],
        )
        supervisor.install_signal_handlers()
        code = supervisor.run()
        if code:
            sys.exit(code)
