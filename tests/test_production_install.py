"""The production path as the README's "Production" section gives it, on an installed OTTO.

A wheel is built from this checkout and installed (non-editable) into a fresh virtual
environment outside the checkout; from a neutral directory the README's commands run in
order against a fresh PostgreSQL database: `db upgrade`, `install-templates`, `create-user`,
gunicorn, the scheduler. Then the app must be ready (/readyz), serve the field app, take a
device's push and give it back on pull, and the scheduler must log its jobs.

The new environment installs OTTO alone (`--no-deps`, no index); its dependencies are those
of the environment running the tests, reached through a path file, so the test needs no
network and takes well under a minute. What it proves is that the package carries what it
needs: migrations, templates, static files, the checklist library.
"""

import datetime as dt
import importlib.metadata
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.no_rollback, pytest.mark.postgres_only]

ROOT = Path(__file__).resolve().parent.parent
FIELD_APP = ROOT / "pwa" / "dist"
HANG_GUARD = 120  # seconds: only so a broken build fails instead of hanging
PASSWORD = "korrekt-häst-batteri-häftklammer"
# Not copied into the build: what is not source (the package data is chosen by pyproject).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".stamps", "node_modules", "pwa", "instance", "build", "dist",
    "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache", "tests", "bench",
)  # fmt: skip


def run(command: list, *, cwd: Path, env: dict, input: str | None = None) -> str:
    """Run a command to its end; fail the test with its output when it fails."""
    result = subprocess.run(
        command, cwd=cwd, env=env, input=input, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def install_wheel(tmp_path: Path) -> Path:
    """Build a wheel from a copy of the checkout and install it into a new venv; returns
    the venv's bin folder."""
    source, wheels, venv = tmp_path / "source", tmp_path / "wheels", tmp_path / "venv"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run(
        [*pip, "wheel", "--no-deps", "-w", wheels, source],
        cwd=tmp_path,
        env=dict(os.environ),
    )
    [wheel] = wheels.glob("otto-*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=dict(os.environ))
    python = venv / "bin" / "python"
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
        env={},
    ).strip()
    # The dependencies: those of the environment running the tests (see the docstring).
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [*pip, "--python", python, "install", "--no-deps", "--no-index", "--force-reinstall",
         wheel],
        cwd=tmp_path,
        env=dict(os.environ),
    )  # fmt: skip
    # The commands the README uses, as pip writes them for an installed dependency.
    for name in ("flask", "gunicorn"):
        [entry] = importlib.metadata.entry_points(group="console_scripts", name=name)
        script = venv / "bin" / name
        script.write_text(
            f"#!{python}\nimport sys\nfrom {entry.module} import {entry.attr}\n"
            f"sys.exit({entry.attr}())\n"
        )
        script.chmod(0o755)
    return venv / "bin"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """A long-running command with its output lines collected."""

    def __init__(self, command: list, *, cwd: Path, env: dict):
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str) -> str:
        while True:
            try:
                line = self.lines.get(timeout=HANG_GUARD)
            except queue.Empty:
                raise AssertionError(f"no {text!r}; output: {''.join(self.seen)}") from None
            assert line is not None, f"ended before {text!r}: {''.join(self.seen)}"
            self.seen.append(line)
            if text in line:
                return line

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=HANG_GUARD)
        self.process.stdout.close()


class Http:
    """JSON over HTTP to the running server."""

    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body=None, token=None) -> tuple[int, dict, bytes]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=HANG_GUARD) as response:  # nosec B310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, body=None, token=None, expect=200):
        status, _headers, data = self.call(method, path, body, token)
        assert status == expect, f"{method} {path}: {status} {data[:500]!r}"
        return json.loads(data)

    def device(self, username: str) -> tuple[str, str]:
        """Register a new device for a user; returns (device id, token)."""
        device_id = str(uuid.uuid4())
        body = {
            "username": username,
            "password": PASSWORD,
            "device_id": device_id,
            "device_name": f"Platta {username}",
        }
        return device_id, self.json("POST", "/api/auth/device", body, expect=201)["token"]


def test_the_readme_production_commands_work_on_an_installed_package(app, empty_database, tmp_path):
    assert (FIELD_APP / "index.html").is_file(), "build the field app first (make pwa)"
    bin_dir = install_wheel(tmp_path)
    neutral = tmp_path / "anywhere"
    neutral.mkdir()
    port = free_port()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "DATABASE_URL": empty_database("postgres"),
        "OTTO_INSTANCE_DIR": str(tmp_path / "instance"),
        "OTTO_PHOTO_DIR": str(tmp_path / "photos"),
        "OTTO_FIELD_APP_DIR": str(FIELD_APP),
        "OTTO_BASE_URL": f"http://127.0.0.1:{port}",
        "SECRET_KEY": "production-test-secret",
        "OTTO_SCHEDULER_POLL_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
    }

    def flask(*args: str) -> str:
        return run(["flask", "--app", "otto", *args], cwd=neutral, env=env)

    otto_file = run(
        ["python", "-c", "import otto; print(otto.__file__)"], cwd=neutral, env=env
    ).strip()
    assert otto_file.startswith(str(tmp_path / "venv")), otto_file  # the installed package

    assert "Running upgrade" in flask("db", "upgrade")
    assert "(published)" in flask("install-templates")
    for username, role, agency in (
        ("samordnare", "coordinator", None),
        ("miljo1", "inspector", "miljo"),
    ):
        flask(
            "create-user", "--username", username, "--name", f"Namn {username}",
            "--email", f"{username}@kommun.example", "--role", role,
            *(["--agency", agency] if agency else []), "--password", PASSWORD,
        )  # fmt: skip

    server = Process(
        ["gunicorn", "--config", ROOT / "deploy" / "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "otto:create_app()"],
        cwd=neutral,
        env=env,
    )  # fmt: skip
    scheduler = None
    try:
        server.wait_for("Booting worker")
        http = Http(f"http://127.0.0.1:{port}")
        while http.call("GET", "/healthz")[0] != 200:  # workers still importing
            server.wait_for("")
        assert http.json("GET", "/readyz") == {
            "status": "ok",
            "checks": {"database": "ok", "migrations": "ok", "photo_storage": "ok"},
        }
        status, headers, shell = http.call("GET", "/app/")
        assert status == 200 and b"<html" in shell.lower()
        status, headers, _ = http.call("GET", "/app/sw.js")
        assert status == 200 and headers["Service-Worker-Allowed"] == "/app/"

        # A coordinator plans a visit; the inspector's device pulls it, pushes an answer,
        # and the coordinator's device pulls that answer.
        _, coordinator = http.device("samordnare")
        [template] = http.json("GET", "/api/templates?agency=miljo&status=published", None,
                               coordinator)[:1]  # fmt: skip
        version = http.json("GET", f"/api/template-versions/{template['versions'][-1]['id']}",
                            None, coordinator)  # fmt: skip
        question = next(
            q for section in version["body"]["sections"] for q in section["questions"]
            if q["type"] == "yesno"
        )  # fmt: skip
        device_id, inspector = http.device("miljo1")
        inspector_id = http.json("GET", "/api/me", None, inspector)["id"]
        business = http.json(
            "POST", "/api/businesses",
            {"name": "Pizzeria Produktion", "org_number": "556677-8899",
             "address": "Storgatan 1", "category": "pizzeria"},
            coordinator, 201,
        )  # fmt: skip
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
        visit = http.json(
            "POST", "/api/visits",
            {"business_id": business["id"], "planned_start": start.isoformat(),
             "planned_end": (start + dt.timedelta(hours=2)).isoformat(),
             "participants": [{"user_id": inspector_id,
                               "template_version_ids": [version["id"]]}]},
            coordinator, 201,
        )  # fmt: skip
        pulled = http.json("GET", "/api/sync/pull?cursor=0&limit=500", None, inspector)
        assert ("visit", visit["id"]) in {(c["entity"], c["id"]) for c in pulled["changes"]}
        epoch = pulled["next_cursor"].rpartition(":")[0]
        mutation = {
            "id": str(uuid.uuid4()), "device_seq": 1, "entity": "answer",
            "entity_id": question["id"], "visit_id": visit["id"], "fields": {"value": "yes"},
            "template_version": version["id"],
        }  # fmt: skip
        pushed = http.json(
            "POST", "/api/sync/push",
            {"device_id": device_id, "epoch": epoch, "mutations": [mutation]}, inspector,
        )  # fmt: skip
        assert [r["status"] for r in pushed["results"]] == ["applied"], pushed
        seen = http.json("GET", "/api/sync/pull?cursor=0&limit=500", None, coordinator)
        answers = [c["data"] for c in seen["changes"] if c["entity"] == "answer"]
        assert [(a["question_id"], a["value"]) for a in answers] == [(question["id"], "yes")]
        status, headers, _ = http.call("GET", "/healthz?logged")
        assert "rid=" + headers["X-Request-Id"] in server.wait_for("GET /healthz?logged")

        # The scheduler process leads and runs its jobs; `--once` runs each job now.
        scheduler = Process(["flask", "--app", "otto", "scheduler"], cwd=neutral, env=env)
        scheduler.wait_for("Leading: this scheduler runs the jobs.")
        once = flask("scheduler", "--once")
        for job in ("mark_overdue", "send_reminders", "retry_mail", "weekly_digest"):
            assert f"[otto.scheduler] [-] Job {job} started" in once, once
            assert f"Job {job} done" in once, once
    finally:
        server.stop()
        if scheduler is not None:
            scheduler.stop()
