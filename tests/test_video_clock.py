"""The exact frame clock (gdexplain.video_clock): joined videos last a whole number of frames."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from io import BytesIO
from pathlib import Path

import pytest

av = pytest.importorskip("av")
pytestmark = pytest.mark.timeout(120)

FPS = 15


def segment(path: Path, frames: int, shade: int = 0) -> Path:
    """A silent H.264 segment written as Manim writes one play (its own segment encoder and settings)."""
    import numpy as np
    from manim._config.video_encoder import _DEFAULT_OPTIONS, VideoEncoderSpec
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 256, 144, Fraction(FPS), tuple(sorted(_DEFAULT_OPTIONS["libx264"].items())))
    encoder = VideoSegmentEncoder(target=path, spec=spec)
    pixels = np.zeros((144, 256, 4), np.uint8)
    for i in range(frames):
        pixels[:, :, 0] = (shade + 7 * i) % 255  # a fade: the whole picture changes, so x264 reorders frames
        encoder.write_frame(pixels)
    encoder.finish()
    return path


def concat_as_manim_does(videos: list[Path], target: Path) -> Path:
    """Manim 0.22's own join of its segments (SceneFileWriter.combine_files): concat demuxer, dts left to libav."""
    manifest = BytesIO("".join(f"file 'file:{v.as_posix()}'\n" for v in videos).encode())
    with av.open(manifest, format="concat", options={"safe": "0", "an": "1"}) as source, av.open(str(target), "w") as out:
        stream = source.streams.video[0]
        copy = out.add_stream_from_template(template=stream)
        for packet in source.demux(stream):
            if packet.dts is None:
                continue
            packet.dts = None
            packet.stream = copy
            out.mux(packet)
    return target


def frame_times(path: Path) -> list[Fraction]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        return sorted(Fraction(p.pts) * s.time_base for p in c.demux(s) if p.dts is not None)


def pictures(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [hashlib.sha256(f.to_ndarray().tobytes()).hexdigest() for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def segments(tmp_path_factory) -> list[Path]:
    """Segments of fades: at 5 and 8 frames the MP4 muxer stores their duration 5 ticks short (5,115 of 1/15,360 s, not 5,120)."""
    folder = tmp_path_factory.mktemp("segments")
    return [segment(folder / f"{i}.mp4", frames, 40 * i) for i, frames in enumerate([3, 5, 5, 8])]


def test_manims_join_of_such_segments_is_off_the_frame_clock(segments, tmp_path):
    """The precondition of the module: without it the next tests prove nothing."""
    from gdexplain.video_clock import is_exact

    joined = concat_as_manim_does(segments, tmp_path / "joined.mp4")
    times = frame_times(joined)
    assert len(times) == 21
    assert times != [Fraction(i, FPS) for i in range(21)]
    assert not is_exact(joined)


def test_retime_file_puts_every_frame_on_the_clock_and_keeps_the_pictures(segments, tmp_path):
    from gdexplain.video_clock import is_exact, retime_file

    joined = concat_as_manim_does(segments, tmp_path / "joined.mp4")
    before = pictures(joined)
    retime_file(joined)
    assert frame_times(joined) == [Fraction(i, FPS) for i in range(21)]
    assert is_exact(joined)
    assert pictures(joined) == before
    with av.open(str(joined)) as c:
        assert c.streams.video[0].average_rate == FPS
    assert [p.name for p in tmp_path.iterdir()] == ["joined.mp4"]  # no temporary file left


def test_concatenate_is_exact_and_frame_for_frame(segments, tmp_path):
    from gdexplain.video_clock import concatenate, is_exact

    target = tmp_path / "chunks.mp4"
    concatenate(segments, target)
    assert is_exact(target)
    assert pictures(target) == [h for s in segments for h in pictures(s)]


def test_concatenate_refuses_videos_of_another_format(segments, tmp_path):
    import numpy as np

    from gdexplain.video_clock import concatenate

    other = tmp_path / "other.mp4"
    with av.open(str(other), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 256, 144, "yuv420p"
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(np.zeros((144, 256, 3), np.uint8), format="rgb24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    with pytest.raises(ValueError, match="frame rate 30 vs 15"):
        concatenate([segments[0], other], tmp_path / "x.mp4")


def test_frame_order_finds_the_reordering_depth():
    from gdexplain.video_clock import frame_order

    order = frame_order([0, 3, 1, 2, 4])  # an I frame, a P frame shown third, two B frames before it
    assert order.ranks == (0, 3, 1, 2, 4)
    assert order.delay == 1  # decode times one frame behind: -1, 0, 1, 2, 3 against 0, 3, 1, 2, 4
    assert frame_order([0, 1, 2]).delay == 0
