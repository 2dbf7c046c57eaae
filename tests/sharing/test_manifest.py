"""Manifests: a clear error naming every mistake; the transcript only when declared and approved;
built-in intents keep priority over skills."""

from __future__ import annotations

import json

import pytest
from homes import Home
from sharing_helpers import install, say
from skill_server import manifest, skill_server

from echoless.sharing import manifest as manifests
from echoless.sharing import skills
from echoless.errors import Forbidden

GOOD = json.loads(manifest("jokes", base="http://127.0.0.1:9"))

YAML = """
name: jokes
publisher: Jokes Ltd
version: 2
endpoint: https://jokes.example/ask
deletion_endpoint: https://jokes.example/forget
privacy_policy: https://jokes.example/privacy
intents:
  TellJoke:
    sentences: ["tell me a joke about {topic}"]
lists:
  topic: {wildcard: true}
"""


def test_yaml_and_json_manifests_parse() -> None:
    parsed = manifests.parse(YAML)
    assert parsed.version == "2" and parsed.fields == ["intent", "slots"]
    assert manifests.parse(json.dumps(GOOD)).name == "jokes"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": None}, "name"),
        ({"name": "Bad Name!"}, "name"),
        ({"endpoint": "http://jokes.example/ask"}, "must use https"),
        ({"privacy_policy": "not a url"}, "privacy_policy"),
        ({"fields": ["intent"]}, "always sent"),
        ({"fields": ["intent", "slots", "audio"]}, "fields"),
        ({"intents": {"TellJoke": {"sentences": ["tell (me"]}}}, "does not parse"),
        ({"intents": {"TellJoke": {"sentences": ["tell me about {nothing}"]}}}, "{nothing}"),
        ({"lists": {"topic": {"values": ["a"], "wildcard": True}}}, "exactly one"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_every_mistake_is_named(change: dict, says: str) -> None:
    doc = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    with pytest.raises(manifests.ManifestError) as caught:
        manifests.from_data(doc)
    assert says in caught.value.message and caught.value.code == "invalid-manifest"


def test_not_yaml_is_a_clear_error() -> None:
    with pytest.raises(manifests.ManifestError, match="not valid YAML"):
        manifests.parse("name: [unclosed")
    with pytest.raises(manifests.ManifestError, match="a mapping"):
        manifests.parse("- just a list")


def test_the_transcript_is_sent_only_when_declared_and_approved(sqlite_home: Home) -> None:
    home = sqlite_home
    member, _ = home.add_member("sam")
    with skill_server() as skill:
        install(home, manifest("jokes", skill, fields=["intent", "slots", "transcript"]))
        skills.enable(home.vault, home.owner, "jokes", allow_transcript=True)
        skills.enable(home.vault, member, "jokes")  # declared, not approved
        say(home, home.owner, "tell me a joke about cats")
        say(home, member, "tell me a joke about cats")
        approved, not_approved = (r.json() for r in skill.asks())
        assert approved["transcript"] == "tell me a joke about cats"
        assert set(not_approved) == {"intent", "interaction", "slots", "user"}


def test_only_the_owner_installs_and_members_choose_for_themselves(sqlite_home: Home) -> None:
    home = sqlite_home
    member, _ = home.add_member("sam")
    with pytest.raises(Forbidden):
        skills.install(home.vault, member, manifests.from_data(GOOD), allow_private_host=True)
    install(home, json.dumps(GOOD))
    skills.enable(home.vault, home.owner, "jokes")
    assert skills.match_text(home.vault, member, "tell me a joke about cats") is None
    assert skills.match_text(home.vault, home.owner, "tell me a joke about cats") is not None


def test_built_in_intents_keep_priority_over_skills(sqlite_home: Home) -> None:
    from speech_synth import synthesise_wav

    from echoless.pipeline import run as pipeline

    home = sqlite_home
    with skill_server() as skill:
        install(home, manifest("greedy", skill, sentences=["what time is it", "tell me a joke about {topic}"]))
        skills.enable(home.vault, home.owner, "greedy")
        result = pipeline.run(home.vault, home.owner, home.device.id, synthesise_wav("what time is it"))
        assert result.intent == "HassGetCurrentTime"
        assert skill.asks() == []
