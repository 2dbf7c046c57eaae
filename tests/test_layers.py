"""The layers (README's map): settings/errors/content/terms → vault → privacy, derived, sharing →
pipeline → the composition root → adapters. No module imports a layer above its own, function-level
imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import echoless

PACKAGE = Path(echoless.__file__).parent
LAYERS = {
    "settings": 0, "errors": 0, "content": 0, "terms": 0,
    "vault": 1,
    "privacy": 2, "derived": 2, "sharing": 2,
    "pipeline": 3, "demo": 3,
    "root": 4,
    "api": 5, "web": 5, "cli": 5, "voicelink": 5,
}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "echoless":
        return None
    if len(parts) == 1 or parts[1] not in LAYERS and not (PACKAGE / parts[1]).is_dir() and not (PACKAGE / f"{parts[1]}.py").exists():
        return 0  # the package itself, or a name it defines (`from echoless import __version__`)
    return LAYERS[parts[1]]


def _module_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names if node.module == "echoless"]
    return found


def _sources() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]


def test_every_top_level_module_has_a_layer() -> None:
    names = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _sources()}
    assert names - {"__init__", "__main__"} <= set(LAYERS), names - set(LAYERS)


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for path in _sources():
        module = _module_of(path)
        mine = _layer(module)
        for target, line in _imports(path):
            theirs = _layer(target)
            if theirs is not None and mine is not None and theirs > mine:
                upward.append(f"{module}:{line} imports {target}")
    assert upward == []


def test_the_walk_sees_function_level_imports(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from echoless.api import app\n")
    assert ("echoless.api", 2) in _imports(source)
