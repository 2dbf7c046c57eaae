"""Signed skill requests carry a nonce inside the signed bytes, so a skill can refuse a replayed request
within the timestamp window (issue 14, finding 12)."""

from __future__ import annotations

import time

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from homes import Home
from sharing_helpers import install, say
from skill_server import Behaviour, manifest, skill_server

from echoless.privacy import receipts
from echoless.sharing import skills, wire

URL = "https://skills.example/ask"
BODY = b'{"intent":"TellJoke"}'


def test_the_nonce_is_signed_and_fresh_for_every_request() -> None:
    key = Ed25519PrivateKey.generate()
    first, second = wire.sign(key, URL, BODY), wire.sign(key, URL, BODY)
    assert first[wire.NONCE] != second[wire.NONCE] and len(first[wire.NONCE]) == 32
    public = key.public_key()
    assert wire.verify(public, URL, BODY, first)
    assert not wire.verify(public, URL, BODY, {**first, wire.NONCE: second[wire.NONCE]})  # the nonce is signed
    assert not wire.verify(public, URL, BODY, {k: v for k, v in first.items() if k != wire.NONCE})  # and required
    message = wire.signed_message(first[wire.TIMESTAMP], first[wire.NONCE], URL, BODY)
    assert message == b"echoless-skill-request/2\n" + first[wire.TIMESTAMP].encode() + b"\n" + first[wire.NONCE].encode() + b"\n" + URL.encode() + b"\n" + BODY


def test_a_nonce_cache_refuses_replays_within_the_window() -> None:
    key = Ed25519PrivateKey.generate()
    now = time.time()
    headers = wire.sign(key, URL, BODY, now=now)
    nonces = wire.NonceCache()
    assert wire.verify(key.public_key(), URL, BODY, headers, now=now, nonces=nonces)
    assert not wire.verify(key.public_key(), URL, BODY, headers, now=now + 1, nonces=nonces)  # a replay
    assert not wire.verify(key.public_key(), URL, BODY, headers, now=now + wire.MAX_SKEW_SECONDS + 1, nonces=nonces)  # too old anyway
    fresh = wire.sign(key, URL, BODY, now=now + 2)
    assert wire.verify(key.public_key(), URL, BODY, fresh, now=now + 2, nonces=nonces)
    assert nonces.first_use("0" * 32, now + 10 * wire.MAX_SKEW_SECONDS)  # old entries are dropped
    assert fresh[wire.NONCE] not in nonces._seen


def test_a_skill_refuses_a_replayed_request(sqlite_home: Home) -> None:
    home = sqlite_home
    key = receipts.instance_public_key(home.vault)
    with skill_server(Behaviour(verify_with=key)) as skill:
        install(home, manifest("jokes", skill))
        skills.enable(home.vault, home.owner, "jokes")
        _, result = say(home, home.owner, "tell me a joke about cats")
        assert result.ok and skill.refused == 0
        (sent,) = skill.asks()
        replayed = httpx.post(skill.ask_url, content=sent.body, headers=sent.headers)
        assert replayed.status_code == 401 and skill.refused == 1
        _, again = say(home, home.owner, "tell me a joke about dogs")  # a new request has a new nonce
        assert again.ok and skill.refused == 1
