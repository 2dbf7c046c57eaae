"""What the server offers, as Wyoming's `info` answers a `describe`: recognition (`asr`, the configured model,
English), understanding and acting (`handle`), and speech (`tts`, espeak-ng's default English voice) when
espeak-ng is installed and speech is on."""

from __future__ import annotations

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    TtsProgram,
    TtsVoice,
)

from echoless import __version__
from echoless.pipeline.speak import speech_available
from echoless.settings import Settings

LANGUAGE = "en"
VOICE = "en"  # espeak-ng's English voice, the one every spoken answer uses
ECHOLESS = Attribution(name="echoless", url="")  # self-hosted: no address to point at
WHISPER = Attribution(name="faster-whisper (Systran), Whisper (OpenAI)", url="https://github.com/SYSTRAN/faster-whisper")
ESPEAK = Attribution(name="eSpeak NG", url="https://github.com/espeak-ng/espeak-ng")


def speaks(settings: Settings) -> bool:
    return settings.speech and speech_available()


def info(settings: Settings) -> Info:
    asr = AsrProgram(
        name="echoless-asr", attribution=ECHOLESS, installed=True, version=__version__,
        description="echoless speech recognition (recorded in the device's history like any request)",
        models=[AsrModel(name=settings.asr_model, attribution=WHISPER, installed=True, description="faster-whisper",
                         version=None, languages=[LANGUAGE])],
    )
    handle = HandleProgram(
        name="echoless", attribution=ECHOLESS, installed=True, version=__version__,
        description="echoless understanding and acting on the household's home", supports_home_control=True,
        models=[HandleModel(name="echoless-intents", attribution=ECHOLESS, installed=True, version=__version__,
                            description="Home Assistant's intents, echoless's privacy intents, enabled skills",
                            languages=[LANGUAGE])],
    )
    tts = [TtsProgram(
        name="echoless-tts", attribution=ECHOLESS, installed=True, version=__version__,
        description="espeak-ng (spoken answers are never stored)",
        voices=[TtsVoice(name=VOICE, attribution=ESPEAK, installed=True, description="eSpeak NG English", version=None,
                         languages=[LANGUAGE])],
    )] if speaks(settings) else []
    return Info(asr=[asr], handle=[handle], tts=tts)
