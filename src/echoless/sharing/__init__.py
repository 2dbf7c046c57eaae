"""Third-party skills and the sharing ledger (PRIVACY_MODEL §3.6).

- `manifest`: what a skill declares (validated; a clear error on any mistake).
- `skills`: install (owner), enable/disable (each member), and matching an utterance to an enabled skill.
- `wire`: the pseudonymous user id and the Ed25519 request signature (how a skill verifies a request).
- `invoke`: calling a skill with only the declared fields, recording the share.
- `ledger`: "what did I share, with whom, and did they delete it".
- `notices`: deletion requests that follow the data, durable and retried until acknowledged.

Kept import-light: `echoless.vault.instance` imports `echoless.sharing.records` for the tables.
"""
