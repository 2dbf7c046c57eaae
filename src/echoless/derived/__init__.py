"""Derived data (PRIVACY_MODEL §1, §3.3, §3.4): the keyed search index, learned vocabulary, the opt-in
training corpus, analytics without people, backups that cannot resurrect, and the lineage that ties
every artefact to the interactions it came from. `echoless.derived.hooks` wires them to the vault."""
