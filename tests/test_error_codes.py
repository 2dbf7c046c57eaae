"""The error codes are one closed catalogue (errors.ErrorCode) with each code's HTTP status: no raise
site spells a code as a string, and every code has a status."""

from __future__ import annotations

import ast
from pathlib import Path

import echoless
from echoless.errors import STATUS, EcholessError, ErrorCode

PACKAGE = Path(echoless.__file__).parent


def test_every_code_has_a_status() -> None:
    assert set(STATUS) == set(ErrorCode)
    assert all(400 <= status < 600 for status in STATUS.values())


def test_no_code_is_spelled_as_a_string() -> None:
    spelled = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                spelled.append(f"{path.name}:{node.value.lineno}")
            if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["code"] \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                spelled.append(f"{path.name}:{node.lineno}")
    assert spelled == []


def test_every_error_class_answers_with_its_catalogued_status() -> None:
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    import echoless.root  # noqa: F401  (imports every module that defines an error)
    import echoless.api.app  # noqa: F401
    import echoless.cli.app  # noqa: F401

    for cls in subclasses(EcholessError):
        assert isinstance(cls.code, ErrorCode), cls
        if cls is not EcholessError:  # the base reads the status from the catalogue
            assert "status" not in cls.__dict__, f"{cls.__name__} sets its own status"
