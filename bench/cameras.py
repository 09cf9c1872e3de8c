"""Camera benchmark: N simulated 640×360 10 fps H.264 streams, every frame decoded, analysis at 5 fps.

(a) Overhead. The same N streams decoded flat out for a fixed time, once with
    decode alone (the reference) and once with analysis of every other frame;
    overhead = CPU time per frame with analysis / without − 1. Also run with the
    cameras spread over two processes instead of threads in one, to compare.
(b) Capacity. N streams in real time (10 fps each, one thread each, as the hub
    runs them), growing N until some camera falls behind (decodes under 97 % of
    its frames in the window); the largest N that keeps up is printed last.

Streams are H.264 files made by GStreamer's x264 from the synthetic street
scene (people, vehicles, sensor noise), read through the same OpenCV/FFmpeg
source the hub uses. Run: .venv/bin/python bench/cameras.py [--seconds 8]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streams.analysis import CameraAnalysis
from streams.config import CamerasSection
from streams.sim import Scene, street_movers
from streams.sources import CaptureSource, SourceSpec

TOOL = Path(__file__).resolve().parent.parent / "tests" / "rtsp" / "gst_tool.py"
FPS = 10


def make_clip(path: Path, seconds: int = 30) -> None:
    scene = Scene(640, 360, seed=3, movers=street_movers(3, people=3, vehicles=1))
    raw = b"".join(scene.render(i / FPS).tobytes() for i in range(seconds * FPS))
    subprocess.run(["/usr/bin/python3", str(TOOL), "encode", str(path), "640", "360", str(FPS)], input=raw,
                   check=True)


def flat_out(path: str, cameras: int, seconds: float, analyse: bool) -> tuple[int, float]:
    """Decode *cameras* copies as fast as they go for *seconds*; frames decoded and CPU seconds used."""
    counts = [0] * cameras
    stop = threading.Event()

    def run(i: int) -> None:
        capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_N_THREADS, 1])
        analysis = CameraAnalysis(CamerasSection(), f"B{i}")
        while not stop.is_set():
            ok, frame = capture.read()
            if not ok:
                capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                continue
            counts[i] += 1
            if analyse and counts[i] % 2 == 0:  # 5 of every 10 frames
                analysis.analyse(frame, counts[i] / FPS)
        capture.release()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(cameras)]
    cpu0 = time.process_time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return sum(counts), time.process_time() - cpu0


def real_time(path: str, cameras: int, seconds: float, warmup: float = 3.0) -> float:
    """Run *cameras* live-paced streams with analysis; the worst camera's share of its due frames."""
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


def processes(path: str, cameras: int, seconds: float, analyse: bool, workers: int = 2) -> tuple[int, float]:
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(flat_out, [path] * workers, [cameras // workers] * workers, [seconds] * workers,
                              [analyse] * workers))
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


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
    parser.add_argument("--seconds", type=float, default=8.0, help="measuring window of each run")
    parser.add_argument("--cameras", type=int, default=16, help="streams in the overhead runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = str(Path(tmp) / "street.mkv")
        make_clip(Path(clip))
        n, s = args.cameras, args.seconds
        decoded, cpu = flat_out(clip, n, s, analyse=False)
        analysed, cpu_a = flat_out(clip, n, s, analyse=True)
        overhead = (cpu_a / analysed) / (cpu / decoded) - 1
        print(f"{n} streams flat out, threads: decode alone {decoded / s:.0f} frames/s ({cpu / decoded * 1e3:.2f} ms "
              f"CPU/frame); with analysis {analysed / s:.0f} frames/s ({cpu_a / analysed * 1e3:.2f} ms CPU/frame)")
        p_decoded, p_cpu = processes(clip, n, s, analyse=False)
        p_analysed, p_cpu_a = processes(clip, n, s, analyse=True)
        print(f"{n} streams flat out, 2 processes: decode alone {p_decoded / s:.0f} frames/s "
              f"({p_cpu / p_decoded * 1e3:.2f} ms CPU/frame); with analysis {p_analysed / s:.0f} frames/s "
              f"({p_cpu_a / p_analysed * 1e3:.2f} ms CPU/frame)")
        print(f"analysis overhead over decode: {overhead:.1%}")
        print(f"decode alone could carry about {decoded / s / FPS:.0f} cameras at {FPS} fps")
        most = capacity(clip, s)
        print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        print(f"cameras_per_machine: {most}")


if __name__ == "__main__":
    main()
