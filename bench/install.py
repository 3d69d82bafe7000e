"""What a scale-out instance pays: a fresh install of the runtime, then the boot to /ping 200.

In a temporary folder: a bare venv, `pip install --no-cache-dir` of the requirements (time, and peak
memory of pip and everything it runs, a compiler included), then the Procfile's command on the bundled
models (seconds from start to the first /ping 200). `python bench/install.py [--source DIR]`.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def tree_rss(pid):
    """Return the resident memory in bytes of process `pid` and all its descendants (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int((Path("/proc") / str(current) / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        todo.extend(children.get(current, []))
    return total


def measured(command, **kwargs):
    """Run `command` to completion; return (seconds, peak resident bytes of its process tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    if process.returncode:
        raise SystemExit(f"{command[:3]} failed:\n{process.stderr.read().decode()[-2000:]}")
    return time.perf_counter() - started, peak


def boot_seconds(source, venv, port):
    """Start the Procfile's command in `source` from `venv`; return seconds until /ping answers 200."""
    command = (source / "Procfile").read_text().split("web:", 1)[1].split()
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "PORT": str(port)}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while process.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/ping", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"the service exited with {process.returncode}")
    finally:
        process.terminate()
        process.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the project folder to install and boot")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        venv = Path(folder) / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        seconds, peak = measured([str(venv / "bin" / "pip"), "install", "--no-cache-dir", "-q", "-r",
                                  str(args.source / "requirements.txt")])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        boot = boot_seconds(args.source, venv, port)
    print(f"install {seconds:.0f} s, peak memory {peak / 2**20:.0f} MiB; boot to /ping 200 {boot:.1f} s; "
          f"bare venv to /ping 200 {seconds + boot:.0f} s")


if __name__ == "__main__":
    main()
