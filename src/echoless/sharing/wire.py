"""What goes over the wire to a skill: the pseudonymous user id, and the request signature.

Pseudonym: `HMAC-SHA256(K_p, "skill|" + skill_id)`, hex, where `K_p = HMAC-SHA256(member_key,
"echoless/skill-pseudonym/v1")` and `member_key` is the member's key from the keyring. It is stable per
(member, skill), unlinkable across skills (different HMAC inputs under a secret key), and it dies with
the member key: after "delete everything" nobody, the instance included, can compute it again.

Signature (publish this to skill authors): every request echoless sends to a skill (an invocation or a
deletion request) is a POST with a JSON body and the headers

    X-Echoless-Timestamp: <unix seconds>
    X-Echoless-Signature: <base64 Ed25519 signature>
    X-Echoless-Key: <the instance public key, "ed25519:<base64>", as served by GET /v1/pubkey>

The signed bytes are  b"echoless-skill-request/1\\n" + timestamp + b"\\n" + url + b"\\n" + body
(url is the exact endpoint URL from the manifest, body the exact request bytes). A skill verifies with
the instance public key it obtained out of band (`GET /v1/pubkey`, or `echoless pubkey`), never the
key in the header alone, and rejects timestamps more than 5 minutes away from its clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from echoless.vault import signing
from echoless.vault.instance import Vault

SCHEME = b"echoless-skill-request/1"
TIMESTAMP = "X-Echoless-Timestamp"
SIGNATURE = "X-Echoless-Signature"
KEY = "X-Echoless-Key"
MAX_SKEW_SECONDS = 300
_PSEUDONYM_LABEL = b"echoless/skill-pseudonym/v1"


def pseudonym(member_key: bytes, skill_id: str) -> str:
    sub_key = hmac.new(member_key, _PSEUDONYM_LABEL, hashlib.sha256).digest()
    return hmac.new(sub_key, f"skill|{skill_id}".encode(), hashlib.sha256).hexdigest()


def member_pseudonym(vault: Vault, member_id: str, key_id: str, skill_id: str) -> str:
    """Raises keyring.KeyDestroyed when the member key is gone (then the pseudonym is gone too)."""
    return pseudonym(vault.keyring.owner_key(member_id, key_id), skill_id)


def body_bytes(doc: dict[str, Any]) -> bytes:
    """Canonical JSON (sorted keys, no whitespace, UTF-8): what is sent, byte for byte."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signed_message(timestamp: str, url: str, body: bytes) -> bytes:
    return SCHEME + b"\n" + timestamp.encode() + b"\n" + url.encode() + b"\n" + body


def sign(key: Ed25519PrivateKey, url: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    signature = key.sign(signed_message(timestamp, url, body))
    return {
        "Content-Type": "application/json",
        TIMESTAMP: timestamp,
        SIGNATURE: base64.b64encode(signature).decode(),
        KEY: signing.public_key_text(key.public_key()),
    }


def verify(public_key: str | Ed25519PublicKey, url: str, body: bytes, headers: Any, *, now: float | None = None) -> bool:
    """What a skill runs: True only for an unaltered request from the instance holding `public_key`."""
    key = signing.parse_public_key(public_key) if isinstance(public_key, str) else public_key
    timestamp = headers.get(TIMESTAMP)
    signature = headers.get(SIGNATURE)
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), signed_message(timestamp, url, body))
    except (InvalidSignature, ValueError):
        return False
    return True


MAX_ANSWER_BYTES = 64 * 1024  # a skill's answer larger than this is refused


def post_signed(vault: Vault, url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    """POST signed bytes; the whole exchange is bounded by `timeout` seconds. Raises httpx errors."""
    deadline = time.monotonic() + timeout
    headers = sign(vault.signing_key, url, body)
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False) as client:
        with client.stream("POST", url, content=body, headers=headers) as response:
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
