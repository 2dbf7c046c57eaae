"""A Wyoming client run by an older `wyoming` (the versions Home Assistant 2024.1.6 and wyoming-satellite
1.0.0 pin), in their own virtual environment: `python peer_client.py PORT PCM_FILE TEXT` prints JSON.
It parses every answer with that version's own classes, as the peer would."""

import asyncio
import json
import sys
from importlib.metadata import version

from wyoming.asr import Transcribe, Transcript
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled
from wyoming.info import Describe, Info
from wyoming.tts import Synthesize


async def main(port: int, pcm: bytes, text: str) -> dict:
    out = {"version": version("wyoming")}
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        info = Info.from_event(await client.read_event())
        out["asr"] = [(p.name, [(m.name, m.languages) for m in p.models]) for p in info.asr]
        out["tts"] = [(p.name, [v.name for v in p.voices]) for p in info.tts]
        await client.write_event(Transcribe(language="en").event())
        await client.write_event(AudioStart(rate=16000, width=2, channels=1).event())
        for i in range(0, len(pcm), 2048):
            await client.write_event(AudioChunk(rate=16000, width=2, channels=1, audio=pcm[i : i + 2048]).event())
        await client.write_event(AudioStop().event())
        out["transcript"] = Transcript.from_event(await client.read_event()).text
        await client.write_event(Transcript(text=text).event())
        answer = await client.read_event()
        out["handled"] = [answer.type, Handled.from_event(answer).text]
        await client.write_event(Synthesize(text="Done.").event())
        start = AudioStart.from_event(await client.read_event())
        size = 0
        while True:
            event = await client.read_event()
            if AudioStop.is_type(event.type):
                break
            size += len(AudioChunk.from_event(event).audio)
        out["speech"] = {"rate": start.rate, "bytes": size}
    return out


if __name__ == "__main__":
    with open(sys.argv[2], "rb") as f:
        audio = f.read()
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), audio, sys.argv[3]))))
