"""echoless speaking Wyoming, the protocol of self-hosted voice satellites and of Home Assistant's speech
services (the `wyoming` package does the framing): a server that offers recognition (`asr`), understanding
and acting (`handle`) and speech (`tts`) for one device of the household, and a client that drives
`wyoming-satellite`s. Each peer is a device of the household (PRIVACY_MODEL §4, §6): its requests are recorded
like any device's. Wyoming has no authentication, so the server listens on loopback unless told otherwise, and
then only answers the client addresses it was given."""
