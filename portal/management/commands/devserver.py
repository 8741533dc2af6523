"""Django's development server (with static files and the autoreloader) as `serve` runs it:
its checks print nothing unless they find something, and once it accepts connections it
prints the portal's address and the demo logins instead of Django's banner, so those are the
last lines of the start-up output."""

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.utils import autoreload

from portal.launch.demo import banner, demo_password


class Command(RunserverCommand):
    help = "The development server of `python3 -m portal.launch serve` (runserver, quieter)."

    def inner_run(self, *args, **options):
        autoreload.raise_last_exception()
        if not options["skip_checks"]:
            # Errors raise (and are shown in full), warnings are printed; silence otherwise.
            self.check(display_num_errors=False)
        super().inner_run(*args, **{**options, "skip_checks": True})

    def on_bind(self, server_port):
        host = self.addr
        if self._raw_ipv6:
            host = f"[{host}]"
        elif host == "0":  # runserver's short form of all addresses
            host = "0.0.0.0"  # noqa: S104 - only the address shown
        self.stdout.write(banner(host, server_port, demo_password()))
