"""The narration's soundtrack, encoded at the speech's own sample rate and channels.

Manim 0.22 converts a scene's soundtrack (a WAV it mixes with pydub) to
AAC (MP4) or Vorbis/Opus (WebM) with ``convert_audio``, which adds the
output stream without a rate or layout: PyAV then resamples the mono
22,050 Hz speech to 48,000 Hz stereo, four times the samples to encode and
store for the same sound (about 0.05 s of encoding per second of narration,
a fifth of a voiced render at low quality). :func:`install` replaces that
function with one that keeps the speech's rate where the codec takes it
(AAC and Vorbis take any rate; Opus only 48 kHz and a few below) and its
channels always, and AAC with its fast coder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

#: Encoders that take the speech's sample rate as it is.
ANY_RATE_CODECS = ("aac", "libvorbis", "vorbis")
#: Bit rate of an AAC narration track (mono speech: high enough that one more encoding, as a lecture's join makes, is transparent).
AAC_BIT_RATE = 128_000
#: FFmpeg's AAC encoder with its fast coder: a third of the default coder's time, and transparent for speech at 128 kb/s.
AAC_OPTIONS = {"aac_coder": "fast"}


def convert_audio(input_path: Path, output_path: Any, codec_name: str) -> None:
    """Manim's ``convert_audio``, keeping the input's sample rate (where ``codec_name`` takes it) and channel layout."""
    import av

    with av.open(str(input_path)) as source, av.open(output_path, "w") as out:
        stream_in = source.streams.audio[0]
        rate = stream_in.codec_context.sample_rate if codec_name in ANY_RATE_CODECS else None
        layout = "mono" if stream_in.codec_context.channels == 1 else "stereo"  # a WAV's layout is "1 channels": no name an encoder takes
        stream_out = out.add_stream(codec_name, rate=rate, layout=layout)
        if codec_name == "aac":
            stream_out.options = dict(AAC_OPTIONS)
        for frame in source.decode(stream_in):
            for packet in stream_out.encode(frame):
                out.mux(packet)
        for packet in stream_out.encode():
            out.mux(packet)


def install() -> None:
    """Make Manim encode soundtracks with :func:`convert_audio` (idempotent)."""
    from manim.scene import scene_file_writer

    scene_file_writer.convert_audio = convert_audio


def decode_mono(path: Path, rate: int) -> np.ndarray:
    """A file's first audio stream as mono float samples at ``rate``, starting at the file's time zero."""
    import av

    with av.open(str(path)) as src:
        resampler = av.AudioResampler(format="fltp", layout="mono", rate=rate)
        frames = [out for frame in src.decode(src.streams.audio[0]) for out in resampler.resample(frame)]
        frames += resampler.resample(None)
    if not frames:
        return np.zeros(0, dtype=np.float32)
    samples = np.concatenate([f.to_ndarray()[0] for f in frames]).astype(np.float32)
    first = frames[0]
    lead = round(first.pts * first.time_base * rate) if first.pts is not None else 0
    return np.concatenate([np.zeros(max(lead, 0), np.float32), samples[max(-lead, 0) :]])


def fit(samples: np.ndarray, length: int) -> np.ndarray:
    """``samples`` cut or padded with silence to exactly ``length``."""
    return np.pad(samples[:length], (0, max(length - samples.size, 0)))


def encode_mono(samples: np.ndarray, stream: Any, first_sample: int = 0, flush: bool = True) -> Iterator[Any]:
    """Encode mono float ``samples`` on an audio ``stream`` (timestamps from ``first_sample``); its packets."""
    import av

    rate = stream.codec_context.sample_rate
    for i in range(0, samples.size, 1024):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[None, i : i + 1024]), format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = first_sample + i
        yield from stream.encode(frame)
    if flush:
        yield from stream.encode(None)
