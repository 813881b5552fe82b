"""Locust scenario of bench/load.py: one simulated user is one field tablet.

A device registers (POST /api/auth/device) with the next account of the JSON file named by
OTTO_LOAD_DEVICES, bootstraps its local store (pull from cursor 0 until has_more is false),
then, until the run ends, in random order: pushes batches of answers to its own checklist
on its visit (yes/no questions, base_version from the server's last outcome, so a device
never conflicts with itself), uploads a small generated JPEG (HEAD, then PUT) and links it
in its next push, and pulls what changed since its cursor. A push whose answer is not 200
is sent again unchanged (same mutation ids), like the field app's outbox.

With OTTO_LOAD_STEPS ("500,1000,…", bench/load.py --ceiling) the run goes on after the
ramp-up in steps of OTTO_LOAD_STEP_SECONDS each: in a step the devices wait OTTO_LOAD_WAIT
scaled by devices running / the step's count, so they make the requests of that many
devices; each step's figures go to OTTO_LOAD_STEP_STATS (a path with "{}" for the count)
and the run ends after the last step.

Run by bench/load.py, or by hand against a running server:
    OTTO_LOAD_DEVICES=devices.json .venv/bin/locust -f bench/load_locust.py --host URL
"""

import hashlib
import io
import itertools
import json
import os
import random
import uuid
from pathlib import Path

import gevent
from locust import HttpUser, events, task
from PIL import Image

ACCOUNTS = json.loads(Path(os.environ["OTTO_LOAD_DEVICES"]).read_text())
_next_account = itertools.count()
BATCH = 20  # answers per push (fewer when the checklist has fewer yes/no questions)


def small_jpeg() -> bytes:
    """A 160×120 JPEG with random content (so every upload is new bytes)."""
    image = Image.new("RGB", (160, 120), tuple(random.randrange(256) for _ in range(3)))
    image.putdata([tuple(random.randrange(256) for _ in range(3)) for _ in range(160 * 12)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


_environment = None  # locust's Environment, kept at init
_ready = itertools.count(1)  # devices registered and bootstrapped
WAIT = tuple(float(s) for s in os.environ.get("OTTO_LOAD_WAIT", "2,6").split(","))
STEPS = [int(n) for n in os.environ.get("OTTO_LOAD_STEPS", "").split(",") if n]
_stepping = {"scale": 1.0}  # think time × this in the current ceiling step


@events.init.add_listener
def _keep_environment(environment, **kwargs):
    """Keep locust's Environment; with ceiling steps, the ramp-up already thinks at the
    first step's pace (a wait under way when a step begins ends at the old pace)."""
    global _environment
    _environment = environment
    if STEPS:
        _stepping["scale"] = environment.parsed_options.num_users / STEPS[0]


def _end_of_ramp_up():
    """Every device is registered and bootstrapped: keep the figures of the ramp-up (in the
    file OTTO_LOAD_RAMP_STATS) and start the steady-state figures from zero. (Run by hand
    without that variable, the figures cover the whole run.) With OTTO_LOAD_STEPS, the
    steps start now."""
    if not os.environ.get("OTTO_LOAD_RAMP_STATS"):
        return
    Path(os.environ["OTTO_LOAD_RAMP_STATS"]).write_text(json.dumps(_figures()))
    _environment.stats.reset_all()
    if STEPS:
        gevent.spawn(_steps)


def _steps():
    """Each ceiling step: scale the think time, run, write the step's figures, reset."""
    users = _environment.parsed_options.num_users
    for devices in STEPS:
        _stepping["scale"] = users / devices
        gevent.sleep(float(os.environ["OTTO_LOAD_STEP_SECONDS"]))
        figures = json.dumps(_figures())
        _environment.stats.reset_all()
        Path(os.environ["OTTO_LOAD_STEP_STATS"].format(devices)).write_text(figures)
    _environment.runner.quit()


def _figures() -> dict:
    """The figures since the last reset, in the names of locust's CSV columns."""
    stats = _environment.stats
    figures = [
        {
            "Type": entry.method or "",
            "Name": "Aggregated" if entry is stats.total else entry.name,
            "Request Count": entry.num_requests,
            "Failure Count": entry.num_failures,
            "Requests/s": entry.total_rps,
            "50%": entry.get_response_time_percentile(0.5),
            "95%": entry.get_response_time_percentile(0.95),
            "99%": entry.get_response_time_percentile(0.99),
        }
        for entry in [*stats.entries.values(), stats.total]
    ]
    errors = [
        {"Occurrences": e.occurrences, "Method": e.method, "Name": e.name, "Error": str(e.error)}
        for e in stats.errors.values()
    ]
    return {"stats": figures, "errors": errors}


class FieldDevice(HttpUser):
    """A tablet of one inspector on one joint visit."""

    def wait_time(self):
        """Think time between syncs (seconds): OTTO_LOAD_WAIT="MIN,MAX", default 2-6 s, a
        tablet in active use (the field app syncs after each capture and on a timer),
        scaled in a ceiling step."""
        return random.uniform(*WAIT) * _stepping["scale"]

    def on_start(self):
        self.account = ACCOUNTS[next(_next_account) % len(ACCOUNTS)]
        self.label = self.account.get("label", "")  # " (read log on|off)" when split
        if not self.account.get("read_log", True):
            self.client.headers["X-Bench-Read-Log"] = "off"  # bench.load.READ_LOG_HEADER
        self.device_id = str(uuid.uuid4())
        response = self.client.post(
            "/api/auth/device",
            json={
                "username": self.account["username"],
                "password": self.account["password"],
                "device_id": self.device_id,
                "device_name": "Lasttest",
            },
        )
        body = response.json()
        self.client.headers["Authorization"] = f"Bearer {body['token']}"
        self.epoch = body["epoch"]
        self.seq = 0
        self.versions: dict[str, int] = {}  # question id -> server version last seen
        self.outbox: list[dict] = []  # sent and not yet acknowledged
        self.photos_to_link: list[str] = []
        self.cursor = "0"
        self.pull(f"/api/sync/pull (bootstrap){self.label}")
        if next(_ready) == _environment.parsed_options.num_users:
            _end_of_ramp_up()

    def pull(self, name: str):
        """Pull pages until the feed is exhausted; the cursor advances only on success."""
        while True:
            with self.client.get(
                "/api/sync/pull",
                params={"cursor": self.cursor, "limit": 500},
                name=name,
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {response.text[:200]}")
                    return
                body = response.json()
                self.cursor = body["next_cursor"]
                if not body["has_more"]:
                    return

    def _mutation(self, entity: str, entity_id: str, fields: dict, **extra) -> dict:
        self.seq += 1
        return {
            "id": str(uuid.uuid4()),
            "device_seq": self.seq,
            "entity": entity,
            "entity_id": entity_id,
            "visit_id": self.account["visit_id"],
            "fields": fields,
            **extra,
        }

    @task(3)
    def push_answers(self):
        if not self.outbox:
            questions = self.account["yesno"]
            for question in random.sample(questions, min(BATCH, len(questions))):
                self.outbox.append(
                    self._mutation(
                        "answer",
                        question,
                        {"value": random.choice(["yes", "no"])},
                        template_version=self.account["template_version"],
                        base_version=self.versions.get(question, 0),
                    )
                )
            for sha256 in self.photos_to_link:
                question = random.choice(self.account["photo"])
                self.outbox.append(
                    self._mutation(
                        "photo_link",
                        str(uuid.uuid4()),
                        {"photo_sha256": sha256, "question_id": question},
                    )
                )
            self.photos_to_link = []
        with self.client.post(
            "/api/sync/push",
            name=f"/api/sync/push{self.label}",
            json={"device_id": self.device_id, "epoch": self.epoch, "mutations": self.outbox},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return  # the same outbox goes again next time
            sent = {m["id"]: m for m in self.outbox}
            self.outbox = []
            refused = [r for r in response.json()["results"] if r["status"] != "applied"]
            for result in response.json()["results"]:
                mutation = sent[result["id"]]
                if mutation["entity"] == "answer" and "version" in result:
                    self.versions[mutation["entity_id"]] = result["version"]
            if refused:
                response.failure(f"not applied: {refused[0]}")

    @task(1)
    def upload_photo(self):
        data = small_jpeg()
        sha256 = hashlib.sha256(data).hexdigest()
        with self.client.head(
            f"/api/photos/{sha256}", name="/api/photos/[sha256]", catch_response=True
        ) as response:
            if response.status_code != 404:
                response.failure(f"expected 404 for new bytes, got {response.status_code}")
                return
            response.success()
        with self.client.put(
            f"/api/photos/{sha256}",
            data=data,
            headers={"Content-Type": "image/jpeg"},
            name="/api/photos/[sha256]",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
        self.photos_to_link.append(sha256)

    @task(3)
    def pull_changes(self):
        self.pull(f"/api/sync/pull{self.label}")
