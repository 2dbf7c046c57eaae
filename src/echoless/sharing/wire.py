"""What goes over the wire to a skill: the pseudonymous user id, and the request signature.

Pseudonym: `HMAC-SHA256(K_p, "skill|" + skill_id)`, hex, where `K_p = HMAC-SHA256(member_key,
"echoless/skill-pseudonym/v1")` and `member_key` is the member's key from the keyring. It is stable per
(member, skill), unlinkable across skills (different HMAC inputs under a secret key), and it dies with
the member key: after "delete everything" nobody, the instance included, can compute it again.

Signature (publish this to skill authors): every request echoless sends to a skill (an invocation or a
deletion request) is a POST with a JSON body and the headers

    X-Echoless-Timestamp: <unix seconds>
    X-Echoless-Nonce: <32 random hex digits, new for every request>
    X-Echoless-Signature: <base64 Ed25519 signature>
    X-Echoless-Key: <the instance public key, "ed25519:<base64>", as served by GET /v1/pubkey>

The signed bytes are
    b"echoless-skill-request/2\\n" + timestamp + b"\\n" + nonce + b"\\n" + url + b"\\n" + body
(url is the exact endpoint URL from the manifest, body the exact request bytes). A skill verifies with
the instance public key it obtained out of band (`GET /v1/pubkey`, or `echoless pubkey`), never the
key in the header alone, rejects timestamps more than 5 minutes away from its clock, and rejects a
nonce it has already seen within that window (a replay): `verify(..., nonces=NonceCache())` does all of it.

Requests go only to hosts that `hosts` allows, at the address it checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Collection
from typing import Any

import httpx

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from echoless.sharing import hosts
from echoless.vault import signing
from echoless.vault.instance import Vault

SCHEME = b"echoless-skill-request/2"
TIMESTAMP = "X-Echoless-Timestamp"
NONCE = "X-Echoless-Nonce"
SIGNATURE = "X-Echoless-Signature"
KEY = "X-Echoless-Key"
MAX_SKEW_SECONDS = 300
_PSEUDONYM_LABEL = b"echoless/skill-pseudonym/v1"


def pseudonym(member_key: bytes, skill_id: str) -> str:
    sub_key = hmac.new(member_key, _PSEUDONYM_LABEL, hashlib.sha256).digest()
    return hmac.new(sub_key, f"skill|{skill_id}".encode(), hashlib.sha256).hexdigest()


def member_pseudonym(vault: Vault, member_id: str, key_id: str, skill_id: str) -> str:
    """Raises keyring.KeyDestroyed when the member key is gone (then the pseudonym is gone too). A
    pseudonym carried over a member-key rotation (privacy/rotation.py) stays the one the skill knows."""
    kept = vault.keyring.kept_pseudonym(member_id, key_id, skill_id)
    return kept if kept is not None else pseudonym(vault.keyring.owner_key(member_id, key_id), skill_id)


def body_bytes(doc: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no whitespace, UTF-8): what is sent, byte for byte."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


_NONCE_FORM = re.compile(r"^[0-9a-f]{32}$")


def signed_message(timestamp: str, nonce: str, url: str, body: bytes) -> bytes:
    return SCHEME + b"\n" + timestamp.encode() + b"\n" + nonce.encode() + b"\n" + url.encode() + b"\n" + body


def sign(key: Ed25519PrivateKey, url: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    signature = key.sign(signed_message(timestamp, nonce, url, body))
    return {
        "Content-Type": "application/json",
        TIMESTAMP: timestamp,
        NONCE: nonce,
        SIGNATURE: base64.b64encode(signature).decode(),
        KEY: signing.public_key_text(key.public_key()),
    }


class NonceCache:
    """The nonces a skill has accepted within the timestamp window: a second use is a replay. Entries
    older than the window are dropped (their timestamps are refused anyway). Thread-safe."""

    def __init__(self, window_seconds: float = 2 * MAX_SKEW_SECONDS) -> None:
        self.window = window_seconds
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_use(self, nonce: str, now: float) -> bool:
        with self._lock:
            for old in [n for n, at in self._seen.items() if at < now - self.window]:
                del self._seen[old]
            if nonce in self._seen:
                return False
            self._seen[nonce] = now
            return True


def verify(public_key: str | Ed25519PublicKey, url: str, body: bytes, headers: Any, *, now: float | None = None,
           nonces: NonceCache | None = None) -> bool:
    """What a skill runs: True only for an unaltered request from the instance holding `public_key`,
    within 5 minutes of its timestamp, and — given the skill's `nonces` — not seen before (no replay)."""
    key = signing.parse_public_key(public_key) if isinstance(public_key, str) else public_key
    timestamp, nonce, signature = headers.get(TIMESTAMP), headers.get(NONCE), headers.get(SIGNATURE)
    if not timestamp or not signature or not nonce or not timestamp.isdigit() or not _NONCE_FORM.match(nonce):
        return False
    clock = time.time() if now is None else now
    if abs(clock - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), signed_message(timestamp, nonce, url, body))
    except (InvalidSignature, ValueError):
        return False
    return nonces is None or nonces.first_use(nonce, clock)


MAX_ANSWER_BYTES = 64 * 1024  # a skill's answer larger than this is refused


def post_signed(vault: Vault, url: str, body: bytes, timeout: float, *, approved: Collection[str] | None = None) -> tuple[int, bytes]:
    """POST signed bytes to a checked address of the URL's host (the next one if it refuses the
    connection); the whole exchange is bounded by `timeout` seconds. `approved`: the private hosts the
    owner allowed for this skill (default: those allowed for any installed skill). Raises httpx errors,
    OSError, or hosts.HostRefused (a ValueError)."""
    deadline = time.monotonic() + timeout
    where = hosts.targets(url, hosts.approved_anywhere(vault) if approved is None else approved, timeout)
    headers = sign(vault.signing_key, url, body)
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
        for n, target in enumerate(where, start=1):
            try:
                return _exchange(client, target, {**headers, "Host": target.host_header}, body, deadline)
            except httpx.ConnectError:
                if n == len(where) or time.monotonic() > deadline:
                    raise
    raise AssertionError("unreachable: hosts.targets returns at least one target")


def _exchange(client: httpx.Client, target: hosts.Target, headers: dict[str, str], body: bytes, deadline: float) -> tuple[int, bytes]:
    with client.stream("POST", target.url, content=body, headers=headers, extensions=target.extensions()) as response:
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise ValueError("answer too large")
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the answer took too long")
            chunks.append(chunk)
        return response.status_code, b"".join(chunks)
