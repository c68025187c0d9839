"""Start the whole platform on one machine: the embedded Redis, migrations and the demo data
(once), the local Stripe-compatible server, a Celery worker, Celery beat and one ASGI server
(HTTP + websockets). Ctrl-C stops them all."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from core import embedded_redis
from core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


class Command(BaseCommand):
    help = "Run the platform with its embedded services (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")

    def handle(self, *args, host: str, port: int, **options):
        procs: list[tuple[str, subprocess.Popen]] = []
        var = Path(settings.VAR_DIR)
        logs = var / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        env = os.environ.copy()
        backend_dir = str(settings.BASE_DIR)
        env["PYTHONPATH"] = backend_dir + os.pathsep + env.get("PYTHONPATH", "")
        py = sys.executable
        # `kill` and service managers send SIGTERM: stop the children as Ctrl-C does.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))

        def spawn(name: str, args: list[str]) -> None:
            log = open(logs / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the child's lifetime
            proc = subprocess.Popen(args, cwd=backend_dir, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
            procs.append((name, proc))

        try:
            if settings.EMBEDDED_REDIS:
                redis_proc = embedded_redis.start(port=settings.EMBEDDED_REDIS_PORT, data_dir=var / "redis")
                if redis_proc is not None:
                    procs.append(("redis", redis_proc))
                self.stdout.write(f"embedded Redis on {settings.REDIS_URL}")
            # Migrate and seed once Redis answers: services announce their changes (live topics,
            # queued notifications) as they write, the demo data included; the worker started
            # below then sends what the seed queued.
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("database migrated")
            if not options["no_demo"]:
                call_command("seed_demo")
            if settings.STRIPE_API_BASE.startswith("http://127.0.0.1"):
                stripe_port = settings.STRIPE_API_BASE.rsplit(":", 1)[1].split("/")[0]
                spawn(
                    "localstripe",
                    [py, "-m", "funding.stripe_server", "--port", stripe_port, "--webhook-url",
                     f"http://127.0.0.1:{port}/api/funding/webhooks/stripe/", "--webhook-secret",
                     settings.STRIPE_WEBHOOK_SECRET],
                )  # fmt: skip
            spawn(
                "celery-worker",
                [
                    py,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    "--without-gossip",
                    "--without-mingle",
                ],
            )
            spawn("celery-beat", [py, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"])
            spawn("web", [py, "-m", "daphne", "-b", host, "-p", str(port), "config.asgi:application"])
            self._banner(host, port, logs)
            while True:
                for name, proc in procs:
                    if proc.poll() is not None:
                        self.stderr.write(f"{name} stopped (exit {proc.returncode}); see {logs / (name + '.log')}")
                        return
                time.sleep(1)
        except KeyboardInterrupt:
            self.stdout.write("\nstopping…")
        finally:
            for _name, proc in reversed(procs):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for _name, proc in procs:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()

    def _banner(self, host: str, port: int, logs: Path) -> None:
        url = f"http://{host}:{port}/"
        lines = [
            "",
            "众筹微治 is running:",
            f"  web (HTTP + websockets): {url}",
            f"  API docs:                {url}api/docs/",
            f"  health (worker + beat):  {url}api/health/",
            f"  admin:                   {url}admin/",
            f"  logs:                    {logs}",
            "",
            f"Demo accounts (password for all: {DEMO_PASSWORD}):",
        ]
        lines += [f"  {username:<12} {role}" for username, role in DEMO_ACCOUNTS]
        lines += ["", "Press Ctrl-C to stop everything."]
        self.stdout.write("\n".join(lines))
