"""Camera benchmark: N simulated 640×360 10 fps H.264 streams, every frame decoded, analysis at 5 fps.

(a) Overhead. N streams in real time, 10 fps each, read by the hub's own
    camera workers (one thread each), every other camera with the hub's
    analysis at 5 fps and the rest decoding alone (the reference), all at once
    in one process; overhead = CPU per frame of the analysing threads / of the
    decoding-only threads − 1, from each thread's own CPU clock over a window
    after a warm-up. Running both halves together puts them under the same
    machine load, which on these shared machines moves the cost of decoding by
    more than the analysis costs from one run to the next. --repeats runs,
    median. As a stress figure, also 16 streams decoded flat out (300 frames
    each, as fast as they go), decode alone and with analysis alternating, in
    threads and over two processes, where the cores' contention adds its cost.
(b) Capacity. N streams in real time (10 fps each, one thread each, as the hub
    runs them), growing N until some camera falls behind (decodes under 97 % of
    its frames in the window); the largest N that keeps up is printed last.

Streams are H.264 files made by GStreamer's x264 from the synthetic street
scene (people, vehicles, sensor noise), read through the same OpenCV/FFmpeg
source the hub uses. Run: .venv/bin/python bench/cameras.py [--seconds 8] [--repeats 3] [--smoke]
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
from streams.findings import Finding
from streams.frames import Image, one_thread_per_camera
from streams.sim import Scene, street_movers
from streams.sources import CaptureSource, SourceSpec
from streams.worker import Backoff, CameraWorker

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


class DecodeOnly(CameraAnalysis):
    """The reference: the hub's worker decodes every frame and hands none to the analysers."""

    def analyse(self, frame: Image, ts: float) -> list[Finding]:
        return []


def thread_cpu(name: str) -> float:
    """CPU seconds used so far by the live thread called *name* (Linux: its own CPU clock)."""
    ident = next(t.ident for t in threading.enumerate() if t.name == name)
    assert ident is not None
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


def start_workers(path: str, cameras: int, analysing: Callable[[int], bool]) -> list[CameraWorker]:
    """*cameras* hub workers on live-paced copies of the clip, camera i analysing at 5 fps if analysing(i)."""
    one_thread_per_camera()
    section = CamerasSection()
    workers = [CameraWorker(f"B{i}", lambda: CaptureSource(SourceSpec("B", "file", path)),
                            (CameraAnalysis if analysing(i) else DecodeOnly)(section, f"B{i}"), section.detect_fps,
                            Backoff(1, 1), lambda _: None, time.time)
               for i in range(cameras)]
    for worker in workers:
        worker.start()
    return workers


def stop_all(workers: list[CameraWorker]) -> None:
    for worker in workers:
        worker.stopping.set()  # all at once: each then ends within one frame
    for worker in workers:
        worker.stop(5)


def side_by_side(path: str, cameras: int, seconds: float, warmup: float) -> tuple[Phase, Phase]:
    """Every other camera analysing and the rest decoding alone, at the same time in the same process; CPU
    per frame of each half, from the threads' own CPU clocks over a window after a warm-up."""
    workers = start_workers(path, cameras, lambda i: i % 2 == 0)
    time.sleep(warmup)
    start = [(w.seq, thread_cpu(f"camera-{w.camera}")) for w in workers]
    time.sleep(seconds)
    end = [(w.seq, thread_cpu(f"camera-{w.camera}")) for w in workers]
    stop_all(workers)
    halves = []
    for parity in (1, 0):  # decode alone, then with analysis
        frames = sum(end[i][0] - start[i][0] for i in range(parity, cameras, 2))
        cpu = sum(end[i][1] - start[i][1] for i in range(parity, cameras, 2))
        halves.append(Phase(frames / seconds, cpu / frames))
    return halves[0], halves[1]


def median_phase(runs: list[tuple[int, float, float]]) -> Phase:
    return Phase(statistics.median(n / wall for n, _, wall in runs), statistics.median(cpu / n for n, cpu, _ in runs))


def real_time(path: str, cameras: int, seconds: float, warmup: float) -> float:
    """Run *cameras* live-paced streams with analysis; the worst camera's share of its due frames."""
    workers = start_workers(path, cameras, lambda _: True)
    time.sleep(warmup)
    start = [w.seq for w in workers]
    time.sleep(seconds)
    worst = min(w.seq - seq for w, seq in zip(workers, start, strict=True))
    stop_all(workers)
    return worst / (seconds * FPS)


def processes(path: str, cameras: int, frames: int, analyse: bool, workers: int = 2) -> tuple[int, float, float]:
    """As flat_out, the cameras shared between *workers* processes; CPU is the sum of theirs."""
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(flat_out, [path] * workers, [cameras // workers] * workers, [frames] * workers,
                              [analyse] * workers))
    return sum(p[0] for p in parts), sum(p[1] for p in parts), max(p[2] for p in parts)


def capacity(path: str, sizes: Sizes) -> int:
    """The most live cameras with analysis that all keep up: doubling from sizes.first, then halving the gap."""
    good, bad, n = 0, None, sizes.first
    while (bad is None or bad - good > max(2, good // 10)) and n <= sizes.most:
        share = real_time(path, n, sizes.seconds, sizes.warmup)
        print(f"  {n:3d} cameras in real time: worst camera decoded {share:.1%} of its frames", flush=True)
        if share >= 0.97:
            good = n
        else:
            bad = n
        n = n * 2 if bad is None else (good + bad) // 2
    return good


@dataclass(frozen=True)  # no slots: the defaults double as the options' defaults
class Sizes:
    """How much each part of the bench runs."""

    seconds: float = 8.0  # measuring window of each real-time run
    cameras: int = 24  # live streams in the overhead runs
    window: float = 10.0  # seconds measured in each live overhead run
    repeats: int = 3  # runs of each overhead phase (medians)
    clip_s: int = CLIP_S
    stress: int = 16  # streams decoded flat out
    warmup: float = 3.0  # seconds before each live window
    first: int = 8  # the capacity search starts here
    most: int = 10_000  # and ends beyond this


SMOKE = Sizes(seconds=1.0, cameras=2, window=1.0, repeats=1, clip_s=2, stress=2, warmup=0.5, first=1, most=2)


def measure(clip: str, sizes: Sizes) -> None:
    frames = sizes.clip_s * FPS
    alone, analysed, share = overhead(clip, sizes.stress, frames, sizes.repeats, flat_out)
    print(f"stress: {sizes.stress} streams × {frames} frames flat out, threads, median of {sizes.repeats}: "
          f"decode alone {alone}; with analysis {analysed}; overhead {share:.1%}")
    p_alone, p_analysed, p_share = overhead(clip, sizes.stress, frames, sizes.repeats, processes)
    print(f"stress: the same over 2 processes: decode alone {p_alone}; with analysis {p_analysed}; "
          f"overhead {p_share:.1%}")
    print(f"decode alone could carry about {alone.fps / FPS:.0f} cameras at {FPS} fps")
    runs = [side_by_side(clip, sizes.cameras, sizes.window, sizes.warmup) for _ in range(sizes.repeats)]
    shares = [with_analysis.cpu_s / alone.cpu_s - 1 for alone, with_analysis in runs]
    for alone, with_analysis in runs:
        print(f"{sizes.cameras} live streams at {FPS} fps, hub workers, half analysing: decode alone {alone}; "
              f"with analysis at 5 fps {with_analysis}")
    print(f"analysis overhead over decode: {statistics.median(shares):.1%} (median of {sizes.repeats}; "
          f"{min(shares):.1%} to {max(shares):.1%})")
    most = capacity(clip, sizes)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"cameras_per_machine: {most}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=Sizes.seconds, help="measuring window of each real-time run")
    parser.add_argument("--cameras", type=int, default=Sizes.cameras, help="live streams in the overhead runs")
    parser.add_argument("--window", type=float, default=Sizes.window, help="seconds measured in each live overhead run")
    parser.add_argument("--repeats", type=int, default=Sizes.repeats, help="runs of each overhead phase (medians)")
    parser.add_argument("--smoke", action="store_true", help="two cameras, a 2 s clip, seconds: checks it runs")
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else Sizes(args.seconds, args.cameras, args.window, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "street.mkv")
        make_clip(Path(clip), sizes.clip_s)
        measure(clip, sizes)


if __name__ == "__main__":
    main()
