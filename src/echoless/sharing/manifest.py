"""Skill manifests: YAML or JSON, validated strictly; every mistake is reported with where it is.

    name: jokes                       # a-z, 0-9 and -, 2-40 chars; unique per household
    publisher: Example Jokes Ltd
    version: "1.0"
    description: Tells jokes.         # optional
    endpoint: https://jokes.example/ask
    deletion_endpoint: https://jokes.example/forget
    privacy_policy: https://jokes.example/privacy
    fields: [intent, slots]           # intent and slots are always sent; add `transcript` to ask for it
                                      # (required with a wildcard list: a free-text slot is the member's words)
    intents:                          # hassil templates; {slot} names a list below
      TellJoke:
        sentences: ["tell me a joke about {topic}", "tell me a [funny] joke"]
    lists:
      topic: {values: [cats, dogs, computers]}   # or {wildcard: true}, or {range: {from: 1, to: 10}}

URLs must be https, except for loopback hosts (127.0.0.1, ::1, localhost) where http is allowed; where
they may point is checked when the skill is installed and at every call (`hosts`). The YAML may not use
aliases or nest deeper than 32 levels (a small text could otherwise expand without bound).
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from hassil import Intents
from hassil.errors import HassilError
from hassil.parse_expression import parse_sentence
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from echoless.errors import BadRequest, ErrorCode

FIELDS = ("intent", "slots", "transcript")
ALWAYS = ("intent", "slots")
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_NAME = r"^[a-z0-9][a-z0-9-]{1,39}$"
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


MAX_DEPTH = 32


class ManifestError(BadRequest):
    code = ErrorCode.INVALID_MANIFEST


class _Loader(yaml.SafeLoader):
    """yaml.safe_load without aliases and with bounded nesting (its composer recurses per level)."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ValueError("must use https (plain http is allowed only for 127.0.0.1, ::1 and localhost)")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IntentSpec(_Strict):
    sentences: list[str] = Field(min_length=1)


class RangeSpec(_Strict):
    from_: int = Field(alias="from")
    to: int


class ListSpec(_Strict):
    values: list[str] | None = None
    wildcard: bool = False
    range: RangeSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ListSpec:
        kinds = sum([self.values is not None, self.wildcard, self.range is not None])
        if kinds != 1:
            raise ValueError("a list has exactly one of `values`, `wildcard: true` or `range`")
        if self.values is not None and not all(v.strip() for v in self.values):
            raise ValueError("list values must not be empty")
        return self


class Manifest(_Strict):
    name: str = Field(pattern=_NAME)
    publisher: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    description: str = Field("", max_length=500)
    endpoint: str
    deletion_endpoint: str
    privacy_policy: str
    fields: list[Literal["intent", "slots", "transcript"]] = Field(default_factory=lambda: list(ALWAYS))
    intents: dict[str, IntentSpec] = Field(min_length=1)
    lists: dict[str, ListSpec] = Field(default_factory=dict)

    _urls = field_validator("endpoint", "deletion_endpoint", "privacy_policy")(_check_url)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a field is listed twice")
        missing = [f for f in ALWAYS if f not in value]
        if missing:
            raise ValueError(f"`intent` and `slots` are always sent; add {', '.join(missing)}")
        return [f for f in FIELDS if f in value]

    @model_validator(mode="after")
    def _templates(self) -> Manifest:
        for intent, spec in self.intents.items():
            if not _IDENT.match(intent):
                raise ValueError(f"intent name {intent!r} must be letters, digits and _ (starting with a letter)")
            for sentence in spec.sentences:
                try:
                    parsed = parse_sentence(sentence)
                except Exception as exc:  # hassil raises several types for a bad template
                    raise ValueError(f"intents.{intent}: the template {sentence!r} does not parse: {exc}") from None
                for list_name in parsed.list_names():
                    if list_name not in self.lists:
                        raise ValueError(f"intents.{intent}: the template {sentence!r} uses {{{list_name}}}, which `lists` does not define")
        for list_name in self.lists:
            if not _IDENT.match(list_name):
                raise ValueError(f"list name {list_name!r} must be letters, digits and _")
        try:
            Intents.from_dict(self.hassil_dict())
        except (HassilError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"the templates are not valid hassil: {exc}") from None
        return self

    @property
    def wants_transcript(self) -> bool:
        return "transcript" in self.fields

    @property
    def free_text_intents(self) -> list[str]:
        """The intents with a free-text (wildcard) slot: what fills it is the member's own words, so it is the
        transcript in all but name (issue 14, finding 4)."""
        wild = {name for name, spec in self.lists.items() if spec.wildcard}
        return [intent for intent, spec in self.intents.items()
                if any(wild & set(parse_sentence(sentence).list_names()) for sentence in spec.sentences)]

    def hassil_dict(self, *, free_text: bool = True) -> dict[str, Any]:
        """The templates for hassil; without `free_text`, the free-text intents are left out."""
        skipped = set() if free_text else set(self.free_text_intents)
        lists: dict[str, Any] = {}
        for name, spec in self.lists.items():
            if spec.values is not None:
                lists[name] = {"values": list(spec.values)}
            elif spec.wildcard:
                lists[name] = {"wildcard": True}
            elif spec.range is not None:
                lists[name] = {"range": {"from": spec.range.from_, "to": spec.range.to}}
        return {
            "language": "en",
            "intents": {name: {"data": [{"sentences": list(spec.sentences)}]} for name, spec in self.intents.items()
                        if name not in skipped},
            "lists": lists,
        }

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _where(error: dict[str, Any]) -> str:
    return ".".join(str(p) for p in error["loc"] if p != "__root__") or "manifest"


def parse(text: str | bytes, *, source: str = "manifest") -> Manifest:
    """Parse YAML (a superset of JSON) or JSON text; raise ManifestError naming every mistake."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ManifestError(f"{source}: not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader, stricter still)
    except yaml.YAMLError as exc:
        raise ManifestError(f"{source}: not valid YAML or JSON ({str(exc).splitlines()[0]})") from None
    return from_data(data, source=source)


def from_data(data: Any, *, source: str = "manifest") -> Manifest:
    if not isinstance(data, dict):
        raise ManifestError(f"{source}: a manifest is a mapping (name, publisher, version, endpoint, ...)")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
        raise ManifestError(f"{source}: {problems}") from None


class FreeTextUndeclared(ManifestError):
    code = ErrorCode.WILDCARD_NEEDS_TRANSCRIPT


def require_declared(manifest: Manifest) -> Manifest:
    """A free-text slot sends the member's words: the manifest must say so by declaring `transcript` (checked
    at install; a manifest installed before keeps its free-text intents unreachable)."""
    if manifest.free_text_intents and not manifest.wants_transcript:
        names = ", ".join(manifest.free_text_intents)
        raise FreeTextUndeclared(f"{manifest.name}: the free-text (wildcard) slot of {names} sends what the member said; "
                                 "add `transcript` to `fields` (each member then decides whether to approve it)")
    return manifest


def dumps(manifest: Manifest) -> str:
    return json.dumps(manifest.to_json(), sort_keys=True)
