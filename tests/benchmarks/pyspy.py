"""Sampling profiles of running server workers with py-spy, for the benchmarks.

`Sampler(pids, seconds, out_dir, label)` starts one `py-spy record` per process (collapsed
stacks, the "raw" format flamegraph tools read; only samples of a thread holding the GIL,
so threads waiting for a lock, a queue or the network are left out) and `wait()` collects
them; `summary(files)` folds them into the share of samples under each frame (inclusive)
and at the top of the stack (exclusive), so a run prints where the CPU went without a
viewer. The shares are of the time spent running Python code (and C code called with the
GIL held): what a worker spends in system calls without the GIL is not in them. py-spy
pauses the process to read each sample, so a profiled window runs slower and its CPU
figures are inflated (the sampled milliseconds a request read higher than the unprofiled
window's CPU): compare shares, and report figures from windows of their own.
"""

import collections
import shutil
import subprocess
from pathlib import Path

PY_SPY = shutil.which("py-spy") or str(Path(__file__).resolve().parents[2] / ".venv/bin/py-spy")


def _options(seconds: float, rate: int) -> list[str]:
    duration = str(max(1, round(seconds)))
    return ["--duration", duration, "--rate", str(rate), "--gil", "--format", "raw"]


class Sampler:
    def __init__(self, pids: list[int], seconds: float, out_dir: Path, label: str, rate: int = 100):
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files = [out_dir / f"{label}-{pid}.txt" for pid in pids]
        self.processes = [
            subprocess.Popen(
                [PY_SPY, "record", "--pid", str(pid), *_options(seconds, rate), "-o", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, path in zip(pids, self.files, strict=True)
        ]

    def wait(self) -> list[Path]:
        for process in self.processes:
            process.wait(timeout=60)
        return [path for path in self.files if path.exists()]


def _frames(stack: str) -> list[str]:
    """The frames of one collapsed stack, outermost first, without line numbers."""
    frames = []
    for frame in stack.split(";"):
        name, _, where = frame.partition(" (")
        module = where.rsplit(":", 1)[0].rstrip(")")
        for marker in ("site-packages/", "python3.12/", "/work/"):
            if marker in module:
                module = module.split(marker, 1)[1]
        frames.append(f"{name} ({module})")
    return frames


def summary(files: list[Path], top: int = 40, per: float | None = None) -> str:
    """The frames with most samples under them (inclusive) and at the top (exclusive);
    with `per` (samples a millisecond times requests), also the sampled milliseconds a
    request."""
    inclusive: collections.Counter[str] = collections.Counter()
    exclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for path in files:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            frames, samples = _frames(stack), int(count)
            total += samples
            for frame in set(frames):
                inclusive[frame] += samples
            exclusive[frames[-1]] += samples
    if not total:
        return "no samples"
    lines = [f"{total} samples" + (f", {total / per:.2f} ms a request" if per else "")]
    lines.append("inclusive (the frame and everything it called):")
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines.append("exclusive (the frame itself):")
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in exclusive.most_common(top)]
    return "\n".join(lines)
