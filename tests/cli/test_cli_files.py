"""Issue 14, findings 8 and 12 (the CLI's part): `receipt verify` never trusts the key a receipt names
itself, and the files the CLI writes for a member are theirs alone (0600) and never written through a
symbolic link. Real processes on a real data home."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

from clirun import receipt_for, record, run_all, start
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from homes import Home
from samples import tone_wav

from echoless.privacy.receipts import canonical, instance_public_key
from echoless.vault.signing import public_key_text


def _forged(doc: dict[str, Any], *, claim_instance_key: bool) -> dict[str, Any]:
    """The receipt with one count changed, signed again with another Ed25519 key."""
    forger = Ed25519PrivateKey.generate()
    body = {**doc, "counts": {**doc["counts"], "interactions": 99}}
    if not claim_instance_key:
        body["instance_public_key"] = public_key_text(forger.public_key())
    body["signature"] = base64.b64encode(forger.sign(canonical(body))).decode()
    return body


def test_receipt_verify_checks_against_the_instance_key_never_the_receipts_own(sqlite_home: Home, tmp_path: Path) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    doc = receipt_for(home, record(home, "buy oat milk"))
    files = {}
    for name, body in (("genuine", doc), ("forged", _forged(doc, claim_instance_key=False)),
                       ("claiming", _forged(doc, claim_instance_key=True))):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(body))
    key = instance_public_key(home.vault)
    nowhere = tmp_path / "no-instance-here"
    here_ok, here_forged, here_claiming, elsewhere_bare, elsewhere_forged, elsewhere_ok = run_all(
        start(folder, "receipt", "verify", str(files["genuine"])),
        start(folder, "receipt", "verify", str(files["forged"])),
        start(folder, "receipt", "verify", str(files["claiming"])),
        start(nowhere, "receipt", "verify", str(files["genuine"])),
        start(nowhere, "receipt", "verify", str(files["forged"]), "--pubkey", key),
        start(nowhere, "receipt", "verify", str(files["genuine"]), "--pubkey", key),
    )
    assert here_ok.returncode == 0 and here_ok.stdout.strip() == "valid", here_ok.stderr
    for forged in (here_forged, here_claiming, elsewhere_forged):
        assert forged.returncode == 1 and forged.stdout == "" and "INVALID" in forged.stderr, forged
    assert elsewhere_bare.returncode == 2 and elsewhere_bare.stdout == ""
    assert "public-key-required" in elsewhere_bare.stderr and "--pubkey" in elsewhere_bare.stderr
    assert elsewhere_ok.returncode == 0 and elsewhere_ok.stdout.strip() == "valid"
    assert not nowhere.exists()  # verify opens no vault


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_written_files_are_private_and_never_follow_a_symlink(sqlite_home: Home, tmp_path: Path) -> None:
    home, folder = sqlite_home, sqlite_home.settings.home
    audio = tone_wav(0.3)
    item = record(home, "turn on the kitchen light", audio)
    receipt = receipt_for(home, record(home, "buy oat milk"))["receipt_id"]
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.zip").write_bytes(b"an older export")
    (out / "mine.zip").chmod(0o644)
    precious = tmp_path / "precious.txt"
    precious.write_text("not yours to overwrite")
    for name, target in (("link.zip", precious), ("link.wav", tmp_path / "absent.wav"), ("link.json", precious)):
        (out / name).symlink_to(target)
    exported, played, shown, *refused = run_all(
        start(folder, "export", "--out", str(out / "mine.zip")),
        start(folder, "play", item[:8], "--out", str(out / "back.wav")),
        start(folder, "receipt", "show", receipt, "--out", str(out / "receipt.json")),
        start(folder, "export", "--out", str(out / "link.zip")),
        start(folder, "play", item, "--out", str(out / "link.wav")),
        start(folder, "receipt", "show", receipt, "--out", str(out / "link.json")),
    )
    for done in (exported, played, shown):
        assert done.returncode == 0, done.stderr
    assert (out / "back.wav").read_bytes() == audio
    assert json.loads((out / "receipt.json").read_text())["receipt_id"] == receipt
    assert {name: _mode(out / name) for name in ("mine.zip", "back.wav", "receipt.json")} == dict.fromkeys(
        ("mine.zip", "back.wav", "receipt.json"), 0o600
    )
    for done in refused:
        assert done.returncode == 2 and "output-is-symlink" in done.stderr, done.stderr
    assert precious.read_text() == "not yours to overwrite" and not (tmp_path / "absent.wav").exists()
    assert all((out / name).is_symlink() for name in ("link.zip", "link.wav", "link.json"))
    assert sorted(p.name for p in out.iterdir()) == [
        "back.wav", "link.json", "link.wav", "link.zip", "mine.zip", "receipt.json"
    ]  # no partial file left behind
