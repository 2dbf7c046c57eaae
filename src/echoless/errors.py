"""Domain errors with stable string codes; the API turns each into one JSON error shape."""

from __future__ import annotations


class EcholessError(Exception):
    """Base of every error echoless reports to a user. `code` is stable; `message` says what was wrong."""

    code = "internal-error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BadRequest(EcholessError):
    code = "bad-request"
    status = 400


class AudioError(BadRequest):
    """Audio that cannot be used: codes audio-empty, audio-corrupt, audio-unsupported-format,
    audio-too-long, audio-too-large, audio-silent."""

    code = "audio-corrupt"
    status = 422


class AudioTooLarge(AudioError):
    code = "audio-too-large"
    status = 413


class NotFound(EcholessError):
    code = "not-found"
    status = 404


class Unauthorized(EcholessError):
    code = "unauthorized"
    status = 401


class Forbidden(EcholessError):
    code = "forbidden"
    status = 403


class Conflict(EcholessError):
    code = "conflict"
    status = 409


class ConfigError(EcholessError):
    """The instance cannot start: a missing or unsafe master key, a data home that is not initialised."""

    code = "config-error"
    status = 500


class RecognitionFailed(EcholessError):
    code = "asr-failed"
    status = 500


class VaultError(EcholessError):
    code = "vault-error"
    status = 500
