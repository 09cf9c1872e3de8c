"""Camera benchmark: N simulated 640×360 10 fps H.264 streams, every frame decoded, analysis at 5 fps.

(a) Overhead. The same N streams decoded flat out, each its first 300 frames
    (the whole clip), once with decode alone (the reference) and once with
    analysis of every other frame; overhead = CPU time of the process per frame
    with analysis / without − 1. Only the decoding is timed (captures opened
    before the clock starts). After a warm-up the two phases alternate
    --repeats times and the median of the repetitions' overheads is reported.
    Also run with the cameras spread over two processes instead of threads in
    one, to compare.
(b) Capacity. N streams in real time (10 fps each, one thread each, as the hub
    runs them), growing N until some camera falls behind (decodes under 97 % of
    its frames in the window); the largest N that keeps up is printed last.

Streams are H.264 files made by GStreamer's x264 from the synthetic street
scene (people, vehicles, sensor noise), read through the same OpenCV/FFmpeg
source the hub uses. Run: .venv/bin/python bench/cameras.py [--seconds 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.analysis import CameraAnalysis
from streams.config import CamerasSection
from streams.frames import one_thread_per_camera
from streams.sim import Scene, street_movers
from streams.sources import CaptureSource, SourceSpec

TOOL = Path(__file__).resolve().parent.parent / "tests" / "rtsp" / "gst_tool.py"
FPS = 10
CLIP_S = 30


@dataclass(frozen=True, slots=True)
class Phase:
    fps: float  # frames decoded per wall-clock second
    cpu_s: float  # CPU seconds of the process per frame

    def __str__(self) -> str:
        return f"{self.fps:.0f} frames/s ({self.cpu_s * 1e3:.2f} ms CPU/frame)"


Runner = Callable[[str, int, int, bool], tuple[int, float, float]]


def make_clip(path: Path, seconds: int = 30) -> None:
    scene = Scene(640, 360, seed=3, movers=street_movers(3, people=3, vehicles=1))
    raw = b"".join(scene.render(i / FPS).tobytes() for i in range(seconds * FPS))
    subprocess.run(["/usr/bin/python3", str(TOOL), "encode", str(path), "640", "360", str(FPS)], input=raw,
                   check=True)


def flat_out(path: str, cameras: int, frames: int, analyse: bool) -> tuple[int, float, float]:
    """Decode the first *frames* of *cameras* copies as fast as they go; frames decoded, CPU and wall seconds.

    Only the decoding is timed: the captures are opened and the analysers built
    before the clock starts, and both phases decode exactly the same frames.
    """
    one_thread_per_camera()  # as the hub does; here too for the worker processes
    captures = [cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1]) for _ in range(cameras)]
    analyses = [CameraAnalysis(CamerasSection(), f"B{i}") for i in range(cameras)]
    counts = [0] * cameras
    go = threading.Barrier(cameras + 1)

    def run(i: int) -> None:
        capture, analysis = captures[i], analyses[i]
        go.wait()
        while counts[i] < frames:
            ok, frame = capture.read()
            if not ok:
                break
            counts[i] += 1
            if analyse and counts[i] % 2 == 0:  # 5 of every 10 frames
                analysis.analyse(frame, counts[i] / FPS)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(cameras)]
    for t in threads:
        t.start()
    go.wait()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.join()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    for capture in captures:
        capture.release()
    return sum(counts), cpu, wall


def overhead(path: str, cameras: int, frames: int, repeats: int, runner: Runner) -> tuple[Phase, Phase, float]:
    """Decode alone and with analysis, alternating, *repeats* times after a warm-up; medians, and the
    median of each repetition's overhead (neighbouring runs share the machine's mood)."""
    runner(path, cameras, frames // 4, True)
    alone, analysed = [], []
    for _ in range(repeats):
        alone.append(runner(path, cameras, frames, False))
        analysed.append(runner(path, cameras, frames, True))
    ratios = [(a[1] / a[0]) / (d[1] / d[0]) - 1 for d, a in zip(alone, analysed, strict=True)]
    return median_phase(alone), median_phase(analysed), statistics.median(ratios)


def median_phase(runs: list[tuple[int, float, float]]) -> Phase:
    return Phase(statistics.median(n / wall for n, _, wall in runs), statistics.median(cpu / n for n, cpu, _ in runs))


def real_time(path: str, cameras: int, seconds: float, warmup: float = 3.0) -> float:
    """Run *cameras* live-paced streams with analysis; the worst camera's share of its due frames."""
    one_thread_per_camera()
    counts = [0] * cameras
    window = threading.Event()
    stop = threading.Event()

    def run(i: int) -> None:
        source = CaptureSource(SourceSpec(f"B{i}", "file", path))
        analysis = CameraAnalysis(CamerasSection(), f"B{i}")
        n = 0
        while not stop.is_set():
            frame = source.read()
            if frame is None:
                break
            n += 1
            counts[i] += window.is_set()
            if n % 2 == 0:
                analysis.analyse(frame, n / FPS)
        source.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(cameras)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    window.set()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return min(counts) / (seconds * FPS)


def processes(path: str, cameras: int, frames: int, analyse: bool, workers: int = 2) -> tuple[int, float, float]:
    """As flat_out, the cameras shared between *workers* processes; CPU is the sum of theirs."""
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(flat_out, [path] * workers, [cameras // workers] * workers, [frames] * workers,
                              [analyse] * workers))
    return sum(p[0] for p in parts), sum(p[1] for p in parts), max(p[2] for p in parts)


def capacity(path: str, seconds: float) -> int:
    good, bad, n = 0, None, 8
    while bad is None or bad - good > max(2, good // 10):
        share = real_time(path, n, seconds)
        print(f"  {n:3d} cameras in real time: worst camera decoded {share:.1%} of its frames", flush=True)
        if share >= 0.97:
            good = n
        else:
            bad = n
        n = n * 2 if bad is None else (good + bad) // 2
    return good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring window of each real-time run")
    parser.add_argument("--cameras", type=int, default=16, help="streams in the overhead runs")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each overhead phase (medians)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "street.mkv")
        make_clip(Path(clip), CLIP_S)
        n, frames = args.cameras, CLIP_S * FPS
        alone, analysed, share = overhead(clip, n, frames, args.repeats, flat_out)
        print(f"{n} streams × {frames} frames flat out, threads, median of {args.repeats}: decode alone {alone}; "
              f"with analysis {analysed}")
        p_alone, p_analysed, p_share = overhead(clip, n, frames, args.repeats, processes)
        print(f"the same over 2 processes: decode alone {p_alone}; with analysis {p_analysed}; "
              f"overhead {p_share:.1%}")
        print(f"analysis overhead over decode: {share:.1%}")
        print(f"decode alone could carry about {alone.fps / FPS:.0f} cameras at {FPS} fps")
        most = capacity(clip, args.seconds)
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        print(f"cameras_per_machine: {most}")


if __name__ == "__main__":
    main()
