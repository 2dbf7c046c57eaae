"""A microphone for wyoming-satellite's `--mic-command`: 16 kHz mono 16-bit PCM on stdout in real time —
silence, and the recorded command (a raw PCM file) each time the trigger file appears (it is removed)."""

import os
import sys
import time

CHUNK = 1024 * 2  # bytes: 1024 samples, 64 ms


def main(command_path: str, trigger: str) -> None:
    out = sys.stdout.buffer
    pending = b""
    started = time.monotonic()
    sent = 0
    while True:
        if not pending and os.path.exists(trigger):
            os.unlink(trigger)
            with open(command_path, "rb") as f:
                pending = f.read()
        chunk, pending = (pending[:CHUNK], pending[CHUNK:]) if pending else (bytes(CHUNK), b"")
        out.write(chunk.ljust(CHUNK, b"\0"))
        out.flush()
        sent += 1
        time.sleep(max(0.0, started + sent * 0.064 - time.monotonic()))


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2])
    except (BrokenPipeError, KeyboardInterrupt):
        pass
