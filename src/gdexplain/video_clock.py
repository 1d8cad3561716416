"""Stream-copied video on an exact clock: frame ``n`` of a video shows at ``n / fps`` seconds.

Manim writes a scene as one short video segment per play and joins them
with FFmpeg's concat demuxer, which places each segment after the previous
one's *container* duration. For a few segments the H.264 encoder's frame
reordering makes the MP4 muxer store a duration a few ticks short of the
segment's frames (5 frames at 15 fps: 5,115 ticks of 1/15,360 s instead of
5,120), so the joined video has frames that last 1,019 ticks instead of
1,024: its length is no whole number of frames and its average frame rate
is no longer the nominal one (``lion`` at low: 6115840/407721 fps). Joining
such videos again (chunks, a lecture) carries the error on.

Every video this project writes from segments therefore gets its packets'
timestamps rewritten here from their frame numbers, never from durations:
presentation time ``rank × step`` (``rank``: the packet's place in
presentation order, ``step``: one frame in the stream's time base) and
decode time ``(index − delay) × step`` (``index``: its place in decode
order, ``delay``: the encoder's reordering depth). The compressed data is
copied untouched (no decoding, no encoding).
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

#: Containers whose video this module re-times (VP9 in WebM counts in milliseconds: no exact frame clock).
RETIMED_SUFFIXES = (".mp4", ".mov")


@dataclass(frozen=True)
class VideoFormat:
    """What two videos must share for their packets to be joined by stream copy."""

    codec: str
    width: int
    height: int
    pix_fmt: str
    time_base: Fraction
    fps: Fraction  # the nominal frame rate, as the encoder was set

    def describe(self) -> str:
        """``h264 854x480 yuv420p, 15 fps, time base 1/15360``."""
        return f"{self.codec} {self.width}x{self.height} {self.pix_fmt}, {self.fps} fps, time base {self.time_base}"

    def differences(self, other: VideoFormat) -> list[str]:
        """What differs from ``other``, one phrase a field: ``frame rate 15 vs 30``."""
        names = {"codec": "codec", "width": "width", "height": "height", "pix_fmt": "pixel format", "time_base": "time base", "fps": "frame rate"}
        return [f"{label} {getattr(self, key)} vs {getattr(other, key)}" for key, label in names.items() if getattr(self, key) != getattr(other, key)]

    @property
    def step(self) -> int:
        """One frame in time-base ticks (1,024 at 15 fps in 1/15,360)."""
        ticks = 1 / (self.fps * self.time_base)
        if ticks.denominator != 1:
            raise ValueError(f"a frame at {self.fps} fps is no whole number of ticks of {self.time_base}")
        return int(ticks)


@dataclass(frozen=True)
class FrameOrder:
    """The video packets of one file: their presentation ranks in decode order, and the reordering depth."""

    ranks: tuple[int, ...]
    delay: int

    @property
    def frames(self) -> int:
        return len(self.ranks)


def video_format(stream: Any) -> VideoFormat:
    """The :class:`VideoFormat` of a PyAV video stream."""
    cc = stream.codec_context
    rate = stream.base_rate or stream.guessed_rate or stream.average_rate
    return VideoFormat(cc.name, cc.width, cc.height, cc.pix_fmt, Fraction(stream.time_base), Fraction(rate))


def frame_order(presentation_times: Sequence[int]) -> FrameOrder:
    """Ranks and reordering depth from the packets' presentation times, given in decode order."""
    order = sorted(range(len(presentation_times)), key=lambda i: presentation_times[i])
    ranks = [0] * len(order)
    for rank, index in enumerate(order):
        ranks[index] = rank
    delay = max((index - rank for index, rank in enumerate(ranks)), default=0)
    return FrameOrder(tuple(ranks), max(delay, 0))


def read_order(container: Any) -> FrameOrder:
    """The :class:`FrameOrder` of a container's first video stream (rewinds the container afterwards)."""
    stream = container.streams.video[0]
    times = [packet.pts for packet in container.demux(stream) if packet.dts is not None and packet.pts is not None]
    container.seek(0)
    return frame_order(times)


def retimed(container: Any, order: FrameOrder, step: int, first_frame: int, delay: int) -> Iterator[Any]:
    """The container's video packets, in decode order, placed from frame ``first_frame`` on an exact clock.

    ``delay`` is the reordering depth of the whole output (at least ``order.delay``),
    so that decode times keep rising across joined videos.
    """
    stream = container.streams.video[0]
    index = 0
    for packet in container.demux(stream):
        if packet.dts is None or packet.pts is None:  # the flushing packets demux ends with
            continue
        packet.pts = (first_frame + order.ranks[index]) * step
        packet.dts = (first_frame + index - delay) * step
        packet.duration = step
        index += 1
        yield packet
    if index != order.frames:
        raise ValueError(f"{container.name} changed while it was read ({index} packets, {order.frames} before)")


def is_exact(path: Path) -> bool:
    """Whether every frame of the video at ``path`` starts at its frame number over its frame rate."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        step = video_format(stream).step
        times = sorted(p.pts for p in container.demux(stream) if p.dts is not None and p.pts is not None)
    return times == [i * step for i in range(len(times))]


def retime_file(path: Path) -> None:
    """Rewrite the video at ``path`` on an exact clock, its soundtrack (if any) exactly as long as the picture, atomically.

    Does nothing for containers without a frame clock (GIF, WebM) or a
    silent video already exact. The picture is stream-copied; the
    soundtrack, which Manim leaves an AAC frame or two longer than the
    picture, is cut (or padded) to ``frames / fps`` seconds and encoded
    again. The file is rewritten beside itself and moved over the original
    only when complete.
    """
    import av

    from gdexplain import soundtrack

    path = Path(path)
    if path.suffix not in RETIMED_SUFFIXES:
        return
    with av.open(str(path)) as probe:
        audio_in = probe.streams.audio[0] if probe.streams.audio else None
        rate = audio_in.codec_context.sample_rate if audio_in is not None else 0
        codec = audio_in.codec_context.name if audio_in is not None else ""
    if audio_in is None and is_exact(path):
        return
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    temp = Path(name)
    try:
        with av.open(str(path)) as source, av.open(str(temp), "w", format=path.suffix[1:], options={"movflags": "+faststart"}) as out:
            video_in = source.streams.video[0]
            fmt = video_format(video_in)
            order = read_order(source)
            video_out = out.add_stream_from_template(video_in)
            streams: list[Iterator[tuple[float, Any]]] = [
                ((float(p.dts * fmt.time_base), p) for p in retimed(source, order, fmt.step, 0, order.delay))
            ]
            audio_out = None
            if audio_in is not None:
                audio_out = out.add_stream(codec, rate=rate, layout="mono")
                audio_out.bit_rate = soundtrack.AAC_BIT_RATE
                if codec == "aac":
                    audio_out.options = dict(soundtrack.AAC_OPTIONS)
                samples = soundtrack.fit(soundtrack.decode_mono(path, rate), round(order.frames / fmt.fps * rate))
                streams.append(((float(p.dts * p.time_base), p) for p in soundtrack.encode_mono(samples, audio_out)))
            for _, packet in heapq.merge(*streams, key=lambda item: item[0]):
                if packet.stream is not audio_out:
                    packet.stream = video_out
                out.mux(packet)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def concatenate(videos: Sequence[Path], target: Path) -> None:
    """Join silent videos of one :class:`VideoFormat` into ``target`` by stream copy, on an exact clock."""
    import av

    sources = [av.open(str(v)) for v in videos]
    try:
        formats = [video_format(s.streams.video[0]) for s in sources]
        for video, fmt in zip(videos, formats):
            if fmt != formats[0]:
                raise ValueError(f"{video} differs from {videos[0]}: {', '.join(fmt.differences(formats[0]))}")
        orders = [read_order(s) for s in sources]
        delay = max(o.delay for o in orders)
        with av.open(str(target), "w", format=Path(target).suffix[1:], options={"movflags": "+faststart"}) as out:
            stream = out.add_stream_from_template(sources[0].streams.video[0])
            first = 0
            for source, order in zip(sources, orders):
                for packet in retimed(source, order, formats[0].step, first, delay):
                    packet.stream = stream
                    out.mux(packet)
                first += order.frames
    finally:
        for source in sources:
            source.close()
