"""echoless: a self-hosted voice-assistant backend whose voice history belongs to its users."""

__version__ = "0.1.0"
