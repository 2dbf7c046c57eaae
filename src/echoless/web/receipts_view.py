"""The bridge to `echoless.privacy.receipts`: the pages show receipts when that module is part of this
build, and say so plainly when it is not. Importing it also registers its purge hook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echoless.errors import NotFound
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob, Member
from echoless.web.pages import module_available

MODULE = "echoless.privacy.receipts"


def available() -> bool:
    return module_available(MODULE)


def _module() -> Any:
    from echoless.privacy import receipts  # optional part; callers check available() first

    return receipts


@dataclass(frozen=True)
class Receipt:
    doc: dict[str, Any]
    valid: bool
    reason: str

    @property
    def id(self) -> str:
        return str(self.doc.get("receipt_id", ""))


def _checked(vault: Vault, doc: dict[str, Any]) -> Receipt:
    receipts = _module()
    check = receipts.check_document(doc, receipts.instance_public_key(vault))
    return Receipt(doc=doc, valid=bool(check.valid), reason=str(check.reason))


def list_for(vault: Vault, member: Member) -> list[Receipt]:
    if not available():
        return []
    return [_checked(vault, doc) for doc in _module().list_for(vault, member)]


def get(vault: Vault, member: Member, receipt_id: str) -> Receipt:
    if not available():
        raise NotFound("receipts are not part of this build")
    return _checked(vault, _module().get(vault, member, receipt_id))


def for_deletion(vault: Vault, member: Member, job: DeletionJob) -> Receipt | None:
    if not available():
        return None
    try:
        return _checked(vault, _module().for_deletion(vault, member, job.id))
    except NotFound:
        return None  # being issued just after the purge


def canonical(doc: dict[str, Any]) -> str:
    return str(_module().canonical_with_signature(doc))


def install() -> None:
    """Register the receipts purge hook (importing the module does it) when receipts exist."""
    if available():
        _module()
