"""Profile one vault operation with pyinstrument:
`python -m bench.profile ingest|shred|purge|history|deleteall|rekey|search|rotate|upgrade [-n N] [--items N]`.
Prints the call tree (wall time) of many repetitions on a fresh SQLite (or --backend postgres) home.
rekey, search, rotate and upgrade run on one member's history of --items (figure 9's data)."""

from __future__ import annotations

import argparse
import random

from pyinstrument import Profiler

from bench import generate, search_scale
from bench.homes import make_home
from bench.vault import ACTION, AUDIO, RESPONSE, TRANSCRIPT
from echoless.privacy import deletion, rotation
from echoless.vault import interactions


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("ingest", "shred", "purge", "history", "deleteall", "rekey", "search", "rotate", "upgrade"))
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--items", type=int, default=20000, help="history size for rekey, search, rotate, upgrade")
    args = parser.parse_args()
    home = make_home(args.backend, "profile")
    profiler = Profiler(interval=0.0005)
    try:
        member = home.add_members(1)[0]
        if args.what == "ingest":
            new = interactions.NewInteraction(audio=AUDIO, audio_type="audio/wav", transcript=TRANSCRIPT, response=RESPONSE, action=ACTION)
            with profiler:
                for _ in range(args.n):
                    interactions.record(home.vault, member, None, new)
        elif args.what == "shred":
            ids = generate.fill(home.vault, member, 2000, keep_ids=True).ids
            generate.settle(home.vault)
            with profiler:
                for item_id in ids[: args.n]:
                    deletion.delete_items(home.vault, member, [item_id])
        elif args.what in ("rekey", "search", "rotate", "upgrade"):
            from echoless.derived import search

            words = search_scale.vocabulary()
            done = search_scale.load(home.vault, member, args.items, words, keep_ids=True, index=args.what != "upgrade")
            generate.settle(home.vault)
            member = home.member(member.id)
            with profiler:
                if args.what == "rekey":
                    for item_id in random.Random(1).sample(done.ids, args.n):
                        job = deletion.delete_items(home.vault, member, [item_id])
                        profiler.stop()
                        deletion.purge(home.vault, job.id)
                        profiler.start()
                elif args.what == "search":
                    for _kind, query in search_scale.queries(words, args.n):
                        search.search(home.vault, member, query, limit=50)
                else:
                    rotation.rotate(home.vault, member.id, from_v1=args.what == "upgrade")
        elif args.what == "deleteall":
            members = home.add_members(args.n)
            for m in members:
                generate.fill(home.vault, m, 1000)
            generate.settle(home.vault)
            with profiler:
                for m in members:
                    deletion.delete_all(home.vault, home.member(m.id))
        elif args.what == "purge":
            generate.fill(home.vault, member, args.n, audio_bytes=len(AUDIO), durable_blobs=False)
            generate.settle(home.vault)
            job = deletion.delete_range(home.vault, member, None, None)
            with profiler:
                deletion.purge(home.vault, job.id)
        else:
            members = home.add_members(5)
            for m in members:
                generate.fill(home.vault, m, 2000)
            generate.settle(home.vault)
            with profiler:
                for i in range(args.n):
                    interactions.history(home.vault, members[i % 5], limit=50)
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        home.close()


if __name__ == "__main__":
    main()
