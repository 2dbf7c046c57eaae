"""Wires the derived stores to the vault's events (STYLE: derived is hooked, not called from every
corner): an interaction stored → index, learn, contribute; a deletion shredded or purged → walk the
lineage; a pipeline run → its recognition prompt words and a content-free count. Importing this
module installs the hooks once (api/app.py and cli/app.py import it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from echoless.derived import corpus, lineage, search, stats, vocabulary
from echoless.pipeline import run as pipeline
from echoless.privacy import deletion, voice
from echoless.vault import interactions
from echoless.vault.instance import Vault
from echoless.vault.models import DeletionJob

DERIVED_TABLES = ("search_tokens", "derived_lineage", "vocabulary_entries", "corpus_samples", "corpus_annotations")


def _forget_on_shred(session: Session, vault: Vault, jobs: list[DeletionJob]) -> None:
    # Delete everything: all derived data is keyed under the key being destroyed; purge removes it.
    lineage.forget_in(session, [job for job in jobs if not job.key_ids])


def _forget_on_purge(vault: Vault, jobs: list[DeletionJob]) -> None:
    lineage.forget(vault, jobs)  # again: a resumed job, or an artefact written while the job ran
    vault.data.compact(DERIVED_TABLES)


def _add(hooks: list, hook: object) -> None:
    if hook not in hooks:
        hooks.append(hook)


def install() -> None:
    for hook in (search.index, vocabulary.learn, corpus.contribute):
        _add(interactions.record_hooks, hook)
    _add(deletion.shred_hooks, _forget_on_shred)
    _add(deletion.purge_hooks, _forget_on_purge)
    _add(pipeline.prompt_words, vocabulary.prompt_words)
    _add(pipeline.run_hooks, stats.count_run)
    _add(voice.knowledge_lines, vocabulary.knowledge_line)


install()
