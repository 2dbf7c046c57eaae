"""Multipart uploads, read only after the caller is authenticated, as a stream, into memory, under a
running cap (PRIVACY_MODEL §5).

A route that takes an upload declares no form parameters (FastAPI would parse the whole body, spooling
files above 1 MB to a plaintext temp file, before any dependency ran): it takes the raw `Request`,
its authentication comes from the headers, and it calls `read_form`. That refuses a declared
Content-Length above the cap before reading a byte, refuses as soon as the running count passes the
cap, and never writes to disk."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import ClientDisconnect, Request

from echoless.errors import AudioTooLarge, BadRequest, EcholessError, ErrorCode

MAX_FIELD_BYTES = 64 * 1024  # any text field of an upload (the `record` JSON is the largest)
MAX_PARTS = 8
_FRAMING = 16 * 1024  # boundaries and part headers, generously
OVERHEAD = 2 * MAX_FIELD_BYTES + _FRAMING


def body_limit(file_limit: int) -> int:
    """The most an upload's body may hold: the file, the text fields and the multipart framing."""
    return file_limit + OVERHEAD


def _invalid(message: str) -> BadRequest:
    return BadRequest(message, code=ErrorCode.INVALID_UPLOAD)


@dataclass
class Form:
    files: dict[str, bytes] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class _Reader:
    """The parser's callbacks: each part lands in a bytearray; caps are checked as the bytes arrive."""

    files: tuple[str, ...]
    fields: tuple[str, ...]
    file_limit: int
    field_codes: dict[str, ErrorCode]
    form: Form = field(default_factory=Form)
    parts: int = 0
    _name: str | None = None
    _header: bytearray = field(default_factory=bytearray)
    _value: bytearray = field(default_factory=bytearray)
    _disposition: bytes = b""
    _data: bytearray = field(default_factory=bytearray)

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._begin, "on_header_field": self._header_field, "on_header_value": self._header_value,
            "on_header_end": self._header_end, "on_headers_finished": self._headers_done, "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise _invalid(f"an upload has at most {MAX_PARTS} parts")
        self._name, self._disposition, self._data = None, b"", bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if bytes(self._header).lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._header, self._value = bytearray(), bytearray()

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise _invalid("every part of the upload needs a Content-Disposition with a name")
        self._name = name.decode("utf-8", "replace")
        if self._name in self.form.files or self._name in self.form.fields:
            raise _invalid(f"the field `{self._name}` is sent twice")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._name not in self.files and self._name not in self.fields:
            return  # a field this route does not take: ignored, and never kept
        self._data += data[start:end]
        if self._name in self.files and len(self._data) > self.file_limit:
            raise AudioTooLarge(f"the audio is larger than the limit of {self.file_limit} bytes")
        if self._name in self.fields and len(self._data) > MAX_FIELD_BYTES:
            code = self.field_codes.get(self._name, ErrorCode.INVALID_UPLOAD)
            raise BadRequest(f"`{self._name}` is larger than the limit of {MAX_FIELD_BYTES} bytes", code=code)

    def _part_end(self) -> None:
        if self._name in self.files:
            self.form.files[self._name] = bytes(self._data)
        elif self._name in self.fields:
            try:
                self.form.fields[self._name] = self._data.decode("utf-8")
            except UnicodeDecodeError:
                raise _invalid(f"`{self._name}` is not UTF-8 text") from None
        self._data = bytearray()


def _boundary(request: Request, files: tuple[str, ...]) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type"))
    if kind != b"multipart/form-data":
        wanted = ", ".join(f"`{name}`" for name in files)
        raise EcholessError(f"send multipart/form-data with the file field {wanted}", code=ErrorCode.INVALID_REQUEST)
    if not options.get(b"boundary"):
        raise _invalid("the multipart/form-data content type names no boundary")
    return options[b"boundary"]


def _declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.isdigit():
        raise _invalid("the Content-Length header is not a number")
    if int(declared) > limit:
        raise AudioTooLarge(f"the upload is larger than the limit of {limit} bytes")


async def read_form(
    request: Request, *, files: tuple[str, ...], fields: tuple[str, ...], file_limit: int,
    field_codes: dict[str, ErrorCode] | None = None,
) -> Form:
    """Parse the request's multipart body into memory. Call it only once the caller is authenticated."""
    limit = body_limit(file_limit)
    boundary = _boundary(request, files)
    _declared_length(request, limit)
    reader = _Reader(files, fields, file_limit, field_codes or {})
    try:
        parser = MultipartParser(boundary, reader.callbacks())
    except FormParserError as exc:
        raise _invalid("the multipart boundary is not valid") from exc
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise AudioTooLarge(f"the upload is larger than the limit of {limit} bytes")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise _invalid("the multipart body is malformed") from exc
    except ClientDisconnect as exc:
        raise _invalid("the upload ended before its body was complete") from exc
    if parser.state != MultipartState.END:
        raise _invalid("the multipart body ends before its closing boundary")
    return reader.form


def require_file(form: Form, name: str) -> bytes:
    if name not in form.files:
        raise EcholessError(f"{name}: Field required (the recording goes in the multipart field `{name}`)", code=ErrorCode.INVALID_REQUEST)
    return form.files[name]


def openapi_body(properties: dict[str, dict[str, Any]], required: list[str]) -> dict[str, Any]:
    """The multipart request body for the OpenAPI page (the route's signature no longer declares it)."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
