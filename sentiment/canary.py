"""Prove each model in a child process before the service loads it: a file that crashes fastText, hangs or
exhausts memory fails there, with its reason, instead of taking down the workers that would load it."""

import json
import math
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

from .model import LID, load
from .text import normalize

TIMEOUT = 30.0  # seconds for all the children together
MEMORY = 512 * 2**20  # bytes of address space a child may map: a healthy model needs about 30 MiB
TEXT = normalize("This is great :) but the train was late 😡")
ROOT = Path(__file__).resolve().parent.parent


def _answer(folder, name, entry):
    """Load `name`'s model as the service does and return its answer to the test text."""
    model = load(folder, name, entry)
    if name == LID:
        return model.languages(TEXT, k=3)
    scores = model.scores(TEXT)
    if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in scores.values()) or abs(sum(scores.values()) - 1) > 1e-6:
        raise ValueError(f"scores {scores} are not probabilities")
    return scores


def _reason(path, returncode, stderr):
    if returncode < 0:
        return f"{path.name} crashed fastText ({signal.Signals(-returncode).name}) on a test text"
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return f"{path.name} failed on a test text: {lines[-1] if lines else f'exit status {returncode}'}"


def prove(folder, entries):
    """Return {name: reason} for the models of `entries` ({name: manifest entry}, files in `folder`) that do
    not load and answer a test text in a child process within TIMEOUT and MEMORY; the others passed."""
    # One BLAS thread: where NumPy is installed (the dev venv), each thread of its BLAS maps memory of its own,
    # which on a many-core machine would count against MEMORY.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    # No shell: the folder, name and entry reach the child as plain arguments.
    children = {name: subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sentiment.canary", str(folder), name, json.dumps(entry)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for name, entry in entries.items()}
    deadline, errors = time.monotonic() + TIMEOUT, {}
    for name, child in children.items():
        path = Path(folder) / entries[name]["file"]
        try:
            _, stderr = child.communicate(timeout=max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            errors[name] = f"{path.name} did not answer a test text within {TIMEOUT:g} s"
            continue
        if child.returncode:
            errors[name] = _reason(path, child.returncode, stderr)
    return errors


def main():
    """The child: `python -m sentiment.canary FOLDER NAME ENTRY_JSON` exits 0 when the model answers."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    folder, name, entry = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    _answer(folder, name, entry)


if __name__ == "__main__":
    main()
