"""Domain errors with stable string codes, in one catalogue with each code's HTTP status; the API turns
each into one JSON error shape."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    AMBIGUOUS_ID = "ambiguous-id"
    ASR_FAILED = "asr-failed"
    AUDIO_CORRUPT = "audio-corrupt"
    AUDIO_EMPTY = "audio-empty"
    AUDIO_SILENT = "audio-silent"
    AUDIO_TOO_LARGE = "audio-too-large"
    AUDIO_TOO_LONG = "audio-too-long"
    AUDIO_UNSUPPORTED_FORMAT = "audio-unsupported-format"
    AUDIT_COUNT_INVALID = "audit-count-invalid"
    AUDIT_KIND_UNKNOWN = "audit-kind-unknown"
    AUDIT_SUBJECT_INVALID = "audit-subject-invalid"
    BAD_REQUEST = "bad-request"
    CONFIG_ERROR = "config-error"
    CONFIRMATION_REQUIRED = "confirmation-required"
    BLOB_STORE_UNAVAILABLE = "blob-store-unavailable"
    CHILD_CANNOT_CONTRIBUTE = "child-cannot-contribute"
    CHILD_NO_SIGN_IN = "child-no-sign-in"
    CLIENT_NOT_ALLOWED = "client-not-allowed"
    CONFLICT = "conflict"
    CSRF_FAILED = "csrf-failed"
    DECRYPTION_FAILED = "decryption-failed"
    DELETION_NOT_PURGED = "deletion-not-purged"
    DEVICE_EXISTS = "device-exists"
    DEVICE_CANNOT_IMPORT = "device-cannot-import"
    EXPORT_UNAVAILABLE = "export-unavailable"
    FILE_NOT_FOUND = "file-not-found"
    FILE_UNREADABLE = "file-unreadable"
    FILE_UNWRITABLE = "file-unwritable"
    FORBIDDEN = "forbidden"
    HOME_CONFLICT = "home-conflict"
    HOME_CONNECTION_INVALID = "home-connection-invalid"
    HOME_NOT_CONNECTED = "home-not-connected"
    HOME_TOKEN_REJECTED = "home-token-rejected"
    HOME_UNREACHABLE = "home-unreachable"
    HOME_INVALID = "home-invalid"
    HOME_STATE_INVALID = "home-state-invalid"
    HTTP_ERROR = "http-error"
    INTENT_NOT_BUILTIN = "intent-not-builtin"
    INTERNAL_ERROR = "internal-error"
    INVALID_BACKUP = "invalid-backup"
    INVALID_CURSOR = "invalid-cursor"
    INVALID_DATE = "invalid-date"
    INVALID_DEVICE_KIND = "invalid-device-kind"
    INVALID_INTENT = "invalid-intent"
    INVALID_INVITATION = "invalid-invitation"
    INVALID_JSON = "invalid-json"
    INVALID_LIMIT = "invalid-limit"
    INVALID_MANIFEST = "invalid-manifest"
    INVALID_MESSAGE = "invalid-message"
    INVALID_PARENT = "invalid-parent"
    INVALID_NAME = "invalid-name"
    INVALID_PUBLIC_KEY = "invalid-public-key"
    INVALID_RANGE = "invalid-range"
    INVALID_RECEIPT = "invalid-receipt"
    INVALID_RECORD = "invalid-record"
    INVALID_REQUEST = "invalid-request"
    INVALID_RETENTION = "invalid-retention"
    INVALID_ROLE = "invalid-role"
    INVALID_SATELLITE = "invalid-satellite"
    INVALID_SCOPE = "invalid-scope"
    INVALID_SEARCH = "invalid-search"
    INVALID_SETTING = "invalid-setting"
    INVALID_THIRD_PARTY = "invalid-third-party"
    INVALID_TIME = "invalid-time"
    INVALID_UPLOAD = "invalid-upload"
    KEY_DESTROYED = "key-destroyed"
    LAST_OWNER = "last-owner"
    LEASE_HELD = "lease-held"
    MEMBER_EXISTS = "member-exists"
    MEMBER_HAS_PASSWORD = "member-has-password"
    MEMBER_MISMATCH = "member-mismatch"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    NO_AUDIO = "no-audio"
    NOT_FOUND = "not-found"
    NOTHING_TO_DELETE = "nothing-to-delete"
    OUTPUT_IS_SYMLINK = "output-is-symlink"
    OWNER_ONLY = "owner-only"
    PERSONAL_DEVICE = "personal-device"
    PUBLIC_KEY_REQUIRED = "public-key-required"
    REMOVE_SELF = "remove-self"
    REQUEST_TOO_LARGE = "request-too-large"
    RESET_SELF = "reset-self"
    RETRY = "retry"
    REVIEWER_ONLY = "reviewer-only"
    RUN_FAILED = "run-failed"
    SEARCH_TOO_LONG = "search-too-long"
    SEARCH_TOO_SHORT = "search-too-short"
    SATELLITE_EXISTS = "satellite-exists"
    SKILL_EXISTS = "skill-exists"
    TEXT_BIDI_OVERRIDE = "text-bidi-override"
    TEXT_EMPTY = "text-empty"
    TEXT_INVALID_CHARACTER = "text-invalid-character"
    TEXT_TOO_LONG = "text-too-long"
    SKILL_HOST_REFUSED = "skill-host-refused"
    SPEECH_UNAVAILABLE = "speech-unavailable"
    TOO_MANY_ATTEMPTS = "too-many-attempts"
    TOO_MANY_ITEMS = "too-many-items"
    UNAUTHORIZED = "unauthorized"
    UNKNOWN_DEVICE = "unknown-device"
    UNKNOWN_MEMBER = "unknown-member"
    UNKNOWN_SATELLITE = "unknown-satellite"
    UNKNOWN_TOKEN = "unknown-token"
    VAULT_ERROR = "vault-error"
    WEAK_PASSWORD = "weak-password"
    WILDCARD_NEEDS_TRANSCRIPT = "wildcard-needs-transcript"
    WYOMING_ADDRESS_REFUSED = "wyoming-address-refused"
    WRONG_PASSWORD = "wrong-password"


STATUS: dict[ErrorCode, int] = {
    ErrorCode.AMBIGUOUS_ID: 400,
    ErrorCode.ASR_FAILED: 500,
    ErrorCode.AUDIO_CORRUPT: 422,
    ErrorCode.AUDIO_EMPTY: 422,
    ErrorCode.AUDIO_SILENT: 422,
    ErrorCode.AUDIO_TOO_LARGE: 413,
    ErrorCode.AUDIO_TOO_LONG: 422,
    ErrorCode.AUDIO_UNSUPPORTED_FORMAT: 422,
    ErrorCode.AUDIT_COUNT_INVALID: 400,
    ErrorCode.AUDIT_KIND_UNKNOWN: 400,
    ErrorCode.AUDIT_SUBJECT_INVALID: 400,
    ErrorCode.BAD_REQUEST: 400,
    ErrorCode.CONFIG_ERROR: 500,
    ErrorCode.CONFIRMATION_REQUIRED: 400,
    ErrorCode.BLOB_STORE_UNAVAILABLE: 503,
    ErrorCode.CHILD_CANNOT_CONTRIBUTE: 403,
    ErrorCode.CHILD_NO_SIGN_IN: 409,
    ErrorCode.CLIENT_NOT_ALLOWED: 403,
    ErrorCode.CONFLICT: 409,
    ErrorCode.CSRF_FAILED: 403,
    ErrorCode.DECRYPTION_FAILED: 500,
    ErrorCode.DELETION_NOT_PURGED: 400,
    ErrorCode.DEVICE_EXISTS: 409,
    ErrorCode.DEVICE_CANNOT_IMPORT: 403,
    ErrorCode.EXPORT_UNAVAILABLE: 404,
    ErrorCode.FILE_NOT_FOUND: 400,
    ErrorCode.FILE_UNREADABLE: 400,
    ErrorCode.FILE_UNWRITABLE: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.HOME_CONFLICT: 409,
    ErrorCode.HOME_CONNECTION_INVALID: 400,
    ErrorCode.HOME_NOT_CONNECTED: 404,
    ErrorCode.HOME_TOKEN_REJECTED: 400,
    ErrorCode.HOME_UNREACHABLE: 503,
    ErrorCode.HOME_INVALID: 400,
    ErrorCode.HOME_STATE_INVALID: 400,
    ErrorCode.HTTP_ERROR: 400,
    ErrorCode.INTENT_NOT_BUILTIN: 400,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.INVALID_BACKUP: 400,
    ErrorCode.INVALID_CURSOR: 400,
    ErrorCode.INVALID_DATE: 400,
    ErrorCode.INVALID_DEVICE_KIND: 400,
    ErrorCode.INVALID_INTENT: 400,
    ErrorCode.INVALID_INVITATION: 404,
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_LIMIT: 400,
    ErrorCode.INVALID_MANIFEST: 400,
    ErrorCode.INVALID_MESSAGE: 400,
    ErrorCode.INVALID_PARENT: 400,
    ErrorCode.INVALID_NAME: 400,
    ErrorCode.INVALID_PUBLIC_KEY: 400,
    ErrorCode.INVALID_RANGE: 400,
    ErrorCode.INVALID_RECEIPT: 400,
    ErrorCode.INVALID_RECORD: 400,
    ErrorCode.INVALID_REQUEST: 422,
    ErrorCode.INVALID_RETENTION: 400,
    ErrorCode.INVALID_ROLE: 400,
    ErrorCode.INVALID_SATELLITE: 400,
    ErrorCode.INVALID_SCOPE: 400,
    ErrorCode.INVALID_SEARCH: 400,
    ErrorCode.INVALID_SETTING: 400,
    ErrorCode.INVALID_THIRD_PARTY: 400,
    ErrorCode.INVALID_TIME: 400,
    ErrorCode.INVALID_UPLOAD: 400,
    ErrorCode.KEY_DESTROYED: 500,
    ErrorCode.LAST_OWNER: 409,
    ErrorCode.LEASE_HELD: 409,
    ErrorCode.MEMBER_EXISTS: 409,
    ErrorCode.MEMBER_HAS_PASSWORD: 409,
    ErrorCode.MEMBER_MISMATCH: 400,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.NO_AUDIO: 404,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.NOTHING_TO_DELETE: 400,
    ErrorCode.OUTPUT_IS_SYMLINK: 400,
    ErrorCode.OWNER_ONLY: 403,
    ErrorCode.PERSONAL_DEVICE: 403,
    ErrorCode.PUBLIC_KEY_REQUIRED: 400,
    ErrorCode.REMOVE_SELF: 409,
    ErrorCode.REQUEST_TOO_LARGE: 413,
    ErrorCode.RESET_SELF: 409,
    ErrorCode.RETRY: 400,
    ErrorCode.REVIEWER_ONLY: 403,
    ErrorCode.RUN_FAILED: 500,
    ErrorCode.SEARCH_TOO_LONG: 400,
    ErrorCode.SEARCH_TOO_SHORT: 400,
    ErrorCode.SATELLITE_EXISTS: 409,
    ErrorCode.SKILL_EXISTS: 409,
    ErrorCode.TEXT_BIDI_OVERRIDE: 422,
    ErrorCode.TEXT_EMPTY: 422,
    ErrorCode.TEXT_INVALID_CHARACTER: 422,
    ErrorCode.TEXT_TOO_LONG: 422,
    ErrorCode.SKILL_HOST_REFUSED: 400,
    ErrorCode.SPEECH_UNAVAILABLE: 503,
    ErrorCode.TOO_MANY_ATTEMPTS: 429,
    ErrorCode.TOO_MANY_ITEMS: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.UNKNOWN_DEVICE: 404,
    ErrorCode.UNKNOWN_MEMBER: 404,
    ErrorCode.UNKNOWN_SATELLITE: 404,
    ErrorCode.UNKNOWN_TOKEN: 404,
    ErrorCode.VAULT_ERROR: 500,
    ErrorCode.WEAK_PASSWORD: 400,
    ErrorCode.WILDCARD_NEEDS_TRANSCRIPT: 400,
    ErrorCode.WYOMING_ADDRESS_REFUSED: 400,
    ErrorCode.WRONG_PASSWORD: 403,
}


class EcholessError(Exception):
    """Base of every error echoless reports to a user. `code` is stable; `message` says what was wrong."""

    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class BadRequest(EcholessError):
    code = ErrorCode.BAD_REQUEST


class AudioError(BadRequest):
    """Audio that cannot be used: codes audio-empty, audio-corrupt, audio-unsupported-format,
    audio-too-long, audio-too-large, audio-silent."""

    code = ErrorCode.AUDIO_CORRUPT


class TextError(BadRequest):
    """A typed request that cannot be used: codes text-empty, text-too-long, text-invalid-character,
    text-bidi-override."""

    code = ErrorCode.TEXT_EMPTY


class AudioTooLarge(AudioError):
    code = ErrorCode.AUDIO_TOO_LARGE


class NotFound(EcholessError):
    code = ErrorCode.NOT_FOUND


class Unauthorized(EcholessError):
    code = ErrorCode.UNAUTHORIZED


class Forbidden(EcholessError):
    code = ErrorCode.FORBIDDEN


class Conflict(EcholessError):
    code = ErrorCode.CONFLICT


class ConfigError(EcholessError):
    """The instance cannot start: a missing or unsafe master key, a data home that is not initialised."""

    code = ErrorCode.CONFIG_ERROR


class RecognitionFailed(EcholessError):
    code = ErrorCode.ASR_FAILED


class RunFailed(EcholessError):
    """An unexpected failure inside a pipeline run (the cause is logged with its traceback, not shown)."""

    code = ErrorCode.RUN_FAILED


class VaultError(EcholessError):
    code = ErrorCode.VAULT_ERROR
