"""`make fuzz`: schemathesis against the live portal, with a personal API token for each role.

Starts what `make run` starts for the web (the sandbox upstreams, the embedded Redis, gunicorn) in a private
directory with its own SQLite database, fills the status caches as beat would, creates one user and one token per
role, writes the schema with `manage.py spectacular`, then runs `st run` once per role. Any 500, status code, content
type or body the schema does not document is a finding: the run prints it and exits 1.

    python -m tests.fuzz.run                     # make fuzz: every role, 60 s each
    python -m tests.fuzz.run --seconds 20 --examples 15      # the short bounded pass CI runs
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent.parent
ROLES = ("reviewer", "auditor", "operator", "admin")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Revoking tokens by id would revoke the fuzzer's own token half-way through its run.
EXCLUDED_OPERATIONS = ("tokens_destroy",)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the portal exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the portal did not answer at {url} within {timeout:.0f} s")


def prepare(env: dict[str, str], schema_path: Path) -> dict[str, str]:
    """Migrate, fill the caches, make one user and token per role and write the schema; {role: token}."""
    os.environ.update(env)
    import django  # noqa: PLC0415 - only once the environment names this run's database and Redis

    django.setup()
    from django.contrib.auth.models import Group, User  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    from deployer_ui.tasks import refresh_deployments, sample_api_nodes  # noqa: PLC0415
    from govern_ui.mirror.sweep import sweep  # noqa: PLC0415
    from portal.tokens import service  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    refresh_deployments()
    sample_api_nodes()
    sweep(seconds=120)  # the Govern mirror filled, as beat's ticks would
    tokens = {}
    for role in ROLES:
        user = User.objects.create_user(username=f"fuzz-{role}", is_superuser=role == "admin",
                                        is_staff=role == "admin")
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        tokens[role] = service.create(user=user, name="fuzz").value
    call_command("spectacular", "--file", str(schema_path), "--format", "openapi-json", "--validate")
    return tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60, help="time budget per role")
    parser.add_argument("--examples", type=int, default=50, help="most test cases per operation and phase")
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--seed", type=int, default=None, help="replay a run (its seed is printed)")
    parser.add_argument("--workers", type=int, default=1, help="concurrent schemathesis workers")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="fuzz-"))
    port = free_port()
    from tests.sandbox_process import SandboxProcess  # noqa: PLC0415 - keeps `--help` free of the sandbox

    procs: list[subprocess.Popen] = []
    findings: dict[str, int] = {}
    try:
        with SandboxProcess(future_seconds=1.0) as sandbox:
            env = {
                "DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(work),
                "DATABASE_URL": f"sqlite:///{work / 'fuzz.sqlite3'}", "CACHE_KEY_PREFIX": f"fuzz-{os.getpid()}",
                "GOVERN_URL": sandbox.url("govern"), "DSS_URL": sandbox.url("dss"),
                "API_NODES": f"apinode-a={sandbox.url('apinode-a')},apinode-b={sandbox.url('apinode-b')}",
                "PORTAL_API_USER_PER_MINUTE": "1000000", "PORTAL_LOG_LEVEL": "WARNING",
                "PORTAL_MANIFEST_STATIC": "false", "PYTHONUNBUFFERED": "1",
            }
            env.pop("REDIS_URL", None)
            os.environ.pop("REDIS_URL", None)
            from portal import embedded_redis  # noqa: PLC0415

            procs.append(embedded_redis.start(work / "redis.sock"))
            schema = work / "schema.json"
            tokens = prepare(env, schema)
            full_env = {**os.environ, **env}
            full_env.pop("REDIS_URL", None)
            log = open(work / "gunicorn.log", "wb")  # noqa: SIM115 - handed to the child
            web = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "portal.wsgi", "--bind",
                                    f"127.0.0.1:{port}", "--workers", "1", "--threads", "4", "--timeout", "30",
                                    # No request-line limit: gunicorn's own 414 (at 4094 bytes) for a long query
                                    # string is the server's, not the portal's, and is not what is fuzzed.
                                    "--limit-request-line", "0"],
                                   cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
            procs.append(web)
            base = f"http://127.0.0.1:{port}"
            wait_until_up(base + "/healthz", web)
            for role in args.roles.split(","):
                print(f"\n== fuzzing the API as {role} ({args.seconds} s at most)", flush=True)
                command = [str(Path(sys.executable).parent / "st"), "run", str(schema), "--url", base,
                           "-H", f"Authorization: Bearer {tokens[role]}", "--checks", CHECKS,
                           "--max-examples", str(args.examples), "--max-time", str(args.seconds),
                           "--workers", str(args.workers), "--request-timeout", "20", "--no-shrink",
                           "--output-sanitize", "true", "--warnings", "off",
                           "--report", "junit", "--report-dir", str(work / f"report-{role}"),
                           *(x for op in EXCLUDED_OPERATIONS for x in ("--exclude-operation-id", op))]
                if args.seed is not None:
                    command += ["--seed", str(args.seed)]
                # In the run's own directory: schemathesis keeps its cache in the working directory.
                findings[role] = subprocess.run(command, cwd=work, env=full_env).returncode
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("\n== fuzz summary: " + ", ".join(f"{r}: {'ok' if c == 0 else 'FINDINGS'}" for r, c in findings.items()))
    server_errors = [line for line in (work / "gunicorn.log").read_text(errors="replace").splitlines()
                     if "Traceback" in line or "Internal Server Error" in line]
    if server_errors:
        print(f"   the portal logged {len(server_errors)} server errors (see {work / 'gunicorn.log'})")
    failed = any(findings.values()) or not findings
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"   reports and the portal's log: {work}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
