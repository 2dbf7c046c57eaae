"""Figure 8: personalisation that forgets. A member's past requests teach the vocabulary (through the
real record hook: slot values and capitalised/rare words); then a personalised test set — synthesised
requests with unusual names — is recognised twice in the same run, with the learned words in the
recogniser's prompt and without, and the word error rate of both is compared. Finally the teaching
interactions are deleted and the prompt is checked to have lost the words (the bias is gone)."""

from __future__ import annotations

import shutil
import sys
import time

from bench.homes import REPO, scratch
from bench.recognition import wer
from bench.report import Figure, from_samples, missing
from bench.run import Ctx

# (what the member said before, the action it produced): what teaches the words
TEACHING = [
    ("put quinoa on my shopping list", {"intent": "HassShoppingListAddItem", "slots": {"item": "quinoa"}}),
    ("add kombucha to my shopping list", {"intent": "HassShoppingListAddItem", "slots": {"item": "kombucha"}}),
    ("add gochujang to my shopping list", {"intent": "HassShoppingListAddItem", "slots": {"item": "gochujang"}}),
    ("add tahini to my shopping list", {"intent": "HassShoppingListAddItem", "slots": {"item": "tahini"}}),
    ("call Siobhan", None),
    ("call Niamh", None),
    ("text Aoife that I am on my way", None),
    ("turn on the Tiffany lamp", {"intent": "HassTurnOn", "slots": {"name": "Tiffany lamp"}}),
    ("dim the Noguchi lamp", {"intent": "HassLightSet", "slots": {"name": "Noguchi lamp"}}),
]
# The personalised test set: new requests with the same unusual words
TEST_SET = [
    "add quinoa and kombucha to my shopping list",
    "call Siobhan",
    "turn on the Tiffany lamp",
    "add gochujang and tahini to my shopping list",
    "call Niamh back",
    "remind me to text Aoife",
    "turn off the Noguchi lamp",
    "is kombucha on my shopping list",
]


def measure(quick: bool = False, log=print) -> dict:  # type: ignore[no-untyped-def]
    """Returns WERs with and without personalisation, the words learned, and the prompt after forgetting."""
    sys.path.insert(0, str(REPO / "tests"))
    from speech_synth import synthesise_wav

    from echoless.derived import vocabulary
    from echoless.pipeline import homes
    from echoless.pipeline import run as pipeline
    from echoless.pipeline.prompt import recognition_prompt
    from echoless.privacy import deletion
    from echoless.root import open_vault
    from echoless.settings import Settings
    from echoless.vault import accounts, interactions
    from echoless.vault.instance import init_home

    settings = Settings(home=scratch("personal-"), asr_threads=2, asr_beam_size=1)
    init_home(settings)
    vault = open_vault(settings)
    try:
        household = accounts.create_household(vault)
        member, _ = accounts.add_member(vault, household.id, "owner", "owner")
        member = accounts.update_member_settings(vault, member.id, {**member.settings, "retention": {"audio": "never", "text": "forever", "action": "forever"}})
        taught = []
        for text, action in TEACHING:
            row = interactions.record(vault, member, None, interactions.NewInteraction(transcript=text, response="Okay.", action=action))
            taught.append(row.id)
        learned = vocabulary.prompt_words(vault, member)
        home = homes.load(vault, household.id)
        with_words = recognition_prompt(home, extra_words=learned)
        without = recognition_prompt(home)
        sentences = TEST_SET[:4] if quick else TEST_SET
        audio = [synthesise_wav(s) for s in sentences]
        pipeline.hear(settings, audio[0], prompt=without)  # warm-up: load the model
        plain, personal = [], []
        started = time.perf_counter()
        for i, (ref, wav) in enumerate(zip(sentences, audio)):
            order = [(without, plain), (with_words, personal)]
            for prompt, out in order if i % 2 else reversed(order):
                out.append((ref, str(pipeline.hear(settings, wav, prompt=prompt)[1].text)))
        log(f"{len(sentences)} requests × 2 recognised in {time.perf_counter() - started:.1f}s")
        for (ref, a), (_r, b) in zip(plain, personal):
            log(f"  without: {a!r}  with: {b!r}")
        job = deletion.delete_items(vault, member, taught)
        deletion.purge(vault, job.id)
        after = vocabulary.prompt_words(vault, member)
        return {"wer_with": wer(personal), "wer_without": wer(plain), "learned": learned, "after_delete": after,
                "n": len(sentences), "pairs": list(zip(plain, personal))}
    finally:
        vault.close()
        shutil.rmtree(settings.home, ignore_errors=True)


def run(ctx: Ctx) -> list[Figure]:
    try:
        result = measure(ctx.quick, ctx.log)
    except Exception as exc:  # noqa: BLE001 - speech synthesis unavailable, most likely
        return [missing("8a", "personalised WER", f"could not run: {type(exc).__name__}: {exc}")]
    note = (f"{result['n']} synthesised requests (piper joe / espeak-ng) with unusual names; tiny.en int8, beam 1; "
            f"{len(result['learned'])} words learned from {len(TEACHING)} past requests through the record hook; "
            f"same model, same audio, same run, only the prompt differs")
    return [
        from_samples(
            "8a", "personalised test set WER, learned words in the prompt", "WER", [result["wer_with"]],
            baseline=result["wer_without"], baseline_name="the same recogniser and prompt without learned words",
            target="< without", ratio_limit=0.999, note=note,
        ),
        from_samples(
            "8b", "learned words left in the prompt after the teaching requests are deleted", "words",
            [float(len(result["after_delete"]))], target="0", limit=0,
            note="deleting the interactions that taught the words removes them from the vocabulary and the prompt",
        ),
    ]
