"""The S3 blob store against a real SeaweedFS (issue 21): a round trip byte for byte, object keys that
name no member, a residue scan of every object, deletion that leaves no object, the verifier over the
bucket, and an object store that goes away in the middle of a recording or a purge (nothing half-done;
the purge resumes)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from echoless import root
from echoless.errors import VaultError
from echoless.privacy import deletion
from echoless.vault import interactions
from echoless.vault.interactions import NewInteraction
from echoless.vault.keyring import DataKey
from homes import Home, make_settings, open_home, set_retention
from samples import canary, tone_wav
from seaweed import Seaweed

KEEP = {"audio": "forever", "text": "forever", "action": "forever"}


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    server = Seaweed(tmp_path_factory.mktemp("weed")).start()
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="echoless", AWS_SECRET_ACCESS_KEY="echoless", AWS_DEFAULT_REGION="us-east-1")
    server.ensure_bucket("voice")
    yield server
    server.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def s3_home(tmp_path: Path, seaweed: Seaweed) -> Iterator[Home]:
    if seaweed.process is None:
        seaweed.start()
    for key in seaweed.objects("voice"):  # each test starts from an empty prefix
        seaweed.client().delete_object(Bucket="voice", Key=key)
    settings = make_settings(tmp_path, "sqlite", None, blob_url="s3://voice/echoless", s3_endpoint_url=seaweed.endpoint)
    home = open_home(settings, "sqlite")
    home.owner = set_retention(home.vault, home.owner, KEEP)
    yield home
    home.vault.close()


def _record(home: Home, mark: str) -> str:
    new = NewInteraction(audio=tone_wav(0.3, marker=mark.encode()), audio_type="audio/wav", transcript=f"remember {mark}")
    return interactions.record(home.vault, home.owner, None, new).id


def test_round_trip_no_plaintext_and_deletion_leaves_no_object(s3_home: Home, seaweed: Seaweed) -> None:
    home = s3_home
    mark = canary("S3")
    item = _record(home, mark)
    objects = seaweed.objects("voice")
    assert list(objects) == [f"echoless/audio/{item}"]  # the key names no member
    assert home.owner.id not in next(iter(objects)) and mark.encode() not in next(iter(objects.values()))
    audio, _ = interactions.audio(home.vault, home.owner, item)
    assert audio == tone_wav(0.3, marker=mark.encode())
    report = root.verify(home.vault, extra_needles=[mark.encode()])
    assert report.clean and report.scanned["blobs"] > 0  # the bucket's objects were read and scanned
    deletion.delete_items(home.vault, home.owner, [item])
    assert seaweed.objects("voice") == {}
    assert root.verify(home.vault).clean


def test_the_store_going_away_mid_recording_leaves_nothing(s3_home: Home, seaweed: Seaweed) -> None:
    home = s3_home
    seaweed.stop()
    with pytest.raises(VaultError) as refused:
        _record(home, canary("DOWN"))
    assert refused.value.code == "blob-store-unavailable"
    with home.vault.keyring.db.read() as session:
        assert session.query(DataKey).count() == 0  # no key left behind
    assert interactions.history(home.vault, home.owner).items == []


def test_a_purge_interrupted_by_the_store_resumes(s3_home: Home, seaweed: Seaweed) -> None:
    home = s3_home
    item = _record(home, canary("LATER"))
    seaweed.stop()
    job = deletion.delete_items(home.vault, home.owner, [item])  # shredded: the keys are gone at once
    assert deletion.get_job(home.vault, home.owner, job.id).state == "shredded"
    seaweed.start()
    assert seaweed.objects("voice")  # the ciphertext is still there, undecryptable
    deletion.resume(home.vault)  # what the job runner does on its next pass
    assert deletion.get_job(home.vault, home.owner, job.id).state == "purged"
    assert seaweed.objects("voice") == {}
    assert root.verify(home.vault).clean
