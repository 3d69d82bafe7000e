"""`make bench`: the service against a bare-Flask ceiling, under wrk, with the Procfile's gunicorn settings.

Writes bench/results.md and bench/results.png, and prints the ratios (machines here are noisy: compare
numbers within one run).
"""

import argparse
import itertools
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentiment.data import read_corpus, umsab_folder  # noqa: E402
from sentiment.languages import UMSAB_FOLDERS  # noqa: E402
from sentiment.model import load_models  # noqa: E402
from sentiment.text import normalize  # noqa: E402
from bench.instructions import per_request as instructions_per_request  # noqa: E402

CONCURRENCIES = (1, 4, 16, 64)
BATCH_CONCURRENCIES = (1, 2, 4)
ALTERNATED_CONNECTIONS, ALTERNATED_SECONDS = 64, 3  # each round of alternated()
SERVE = ["gunicorn", "--config", "gunicorn.conf.py"]


def tweets(data):
    """Return (language, text) pairs: UMSAB val tweets from `data`, or the small sample shipped here."""
    if (Path(data) / "umsab").is_dir():
        pairs = [(lang, text) for lang in UMSAB_FOLDERS
                 for text in read_corpus(umsab_folder(data, lang), "val")[0]]
    else:
        lines = (ROOT / "bench" / "sample.txt").read_text(encoding="utf-8").splitlines()
        pairs = [tuple(line.split("\t", 1)) for line in lines]
    random.Random(0).shuffle(pairs)
    return pairs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app, port, env=None, args=()):
    """Start gunicorn on `app` with the Procfile's settings and `args`; return (process, seconds until /ping or /
    answers)."""
    started = time.perf_counter()
    process = subprocess.Popen([*SERVE, *args, app], cwd=ROOT, env={**os.environ, "PORT": str(port), **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = "/ping" if app == "application:application" else "/invocations"
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code in (200, 405):
                return process, time.perf_counter() - started
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.perf_counter() - started > 60:
            raise SystemExit(f"{app} did not start")
        time.sleep(0.02)


def stop(process):
    process.terminate()
    # A graceful stop may last gunicorn's graceful_timeout (30 s): longer means the server is stuck.
    process.wait(60)


def worker_cpu(master):
    """CPU ticks (user + system) used so far by each gunicorn worker of `master`, by pid."""
    ticks = {}
    for pid in subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def wrk(port, bodies, connections, duration, master):
    """Run wrk against /invocations with `bodies` in turn; return requests/s, p50 and p99 in ms, and each
    worker's share of the CPU the run took (an idle worker means the connections all landed on one)."""
    before = worker_cpu(master)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as f:
        f.write("\n".join(bodies) + "\n")
        f.flush()
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
                              "-s", str(ROOT / "bench" / "requests.lua"), f"http://127.0.0.1:{port}"],
                             env={**os.environ, "BENCH_BODIES": f.name}, capture_output=True, text=True,
                             check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors at {connections} connections:\n{out[:3000]}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    used = {pid: ticks - before.get(pid, 0) for pid, ticks in worker_cpu(master).items()}
    shares = sorted((round(100 * t / max(sum(used.values()), 1)) for t in used.values()), reverse=True)
    return {"rps": rps, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"), "cpu": "/".join(map(str, shares))}


def _ms(out, percentile):
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def in_process(pairs, seconds=3.0):
    """Texts per second on one core: normalisation and prediction, without HTTP."""
    models, lid = load_models(ROOT / "models")

    def detect_and_predict(lang, text):
        tokens = normalize(text)
        model = models.get(lid.detect(tokens, default=lang, served=models), models[lang])
        return model.scores(tokens, model.reads_plain(text))

    results = {}
    # "predict" includes the lexicon features, reads_plain and the calibration: all a model does after normalize.
    for name, work in [("normalise", lambda lang, text: normalize(text)),
                       ("normalise + predict",
                        lambda lang, text: models[lang].scores(normalize(text), models[lang].reads_plain(text))),
                       ("normalise + detect + predict", detect_and_predict)]:
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            for lang, text in pairs:
                work(lang, text)
            count += len(pairs)
        results[name] = count / (time.perf_counter() - started)
    # Whether the raw text reads as a plain sentence is part of the work: it picks the temperature.
    for lang in UMSAB_FOLDERS:
        texts = [text for code, text in pairs if code == lang] or ["This is great!"]
        items = [(text, normalize(text)) for text in texts]
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds / 2:
            for text, tokens in items:
                models[lang].scores(tokens, models[lang].reads_plain(text))
            count += len(items)
        results[f"predict only ({lang})"] = count / (time.perf_counter() - started)
    return results


# The worst texts we know of, each at the 5,000-byte limit, against an ordinary text of the same size.
HOSTILE = {
    "ordinary text": ("This is great, thank you so much for the quick delivery! " * 90)[:5000],
    "unclosed tags": "<b>" + "<a " * 1665,
    "'x<' repeated": "x<" * 2500,
    "escaped surrogate pairs": "\\ud83d\\ude00" * 416,
    "entities": "&amp;" * 1000,
    "one letter": "a" * 5000,
    "emoji": "😀" * 1250,
    "mentions": "@a " * 1666,
    "phrase first words": "can't " * 833,
}


def batch_body(text, limit=1 << 20):
    """The JSON body of the largest batch of `text` (at most 1,000) that fits in `limit` bytes."""
    size = len(json.dumps({"texts": [text], "language": "en"}, ensure_ascii=False).encode())
    return json.dumps({"texts": [text] * min(1000, limit // size), "language": "en"}, ensure_ascii=False)


def hostile(port, runs=15):
    """Median ms of one request holding each HOSTILE text, alone and as a batch of as many as fit in 1 MiB;
    then the slowest /ping answer while four clients send the worst of those batches for 5 s."""
    url = f"http://127.0.0.1:{port}/invocations"

    def median_ms(body):
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            reply = requests.post(url, data=body.encode(), headers={"Content-Type": "application/json"}, timeout=60)
            times.append((time.perf_counter() - started) * 1000)
            if reply.status_code != 200:
                raise SystemExit(f"hostile input answered {reply.status_code}: {reply.text[:300]}")
        return sorted(times)[len(times) // 2]

    rows = {name: (median_ms(json.dumps({"text": text, "language": "en"}, ensure_ascii=False)),
                   median_ms(batch_body(text)), len(json.loads(batch_body(text))["texts"]))
            for name, text in HOSTILE.items()}
    worst = max((name for name in HOSTILE if name != "ordinary text"), key=lambda name: rows[name][1] / rows[name][2])
    body = batch_body(HOSTILE[worst]).encode()
    stop_at = time.monotonic() + 5

    def client():
        while time.monotonic() < stop_at:
            requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=60)

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    pings = []
    while time.monotonic() < stop_at:
        started = time.perf_counter()
        requests.get(f"http://127.0.0.1:{port}/ping", timeout=10)
        pings.append((time.perf_counter() - started) * 1000)
        time.sleep(0.05)
    for thread in clients:
        thread.join()
    return rows, worst, max(pings), len(pings)


def accept_balance(bodies, runs=20, connections=16, duration=1):
    """Of `runs` short wrk runs (fresh kept-alive connections each), how many left a worker (nearly) idle: with
    gunicorn's own gthread worker, and with gunicorn.conf.py's BalancedThreadWorker."""
    result = {}
    for name, args in [("gunicorn's gthread", ["--worker-class", "gthread"]), ("BalancedThreadWorker (ours)", [])]:
        port = free_port()
        master, _ = start("application:application", port, args=args)
        shares = [wrk(port, bodies, connections, duration, master)["cpu"] for _ in range(runs)]
        stop(master)
        result[name] = sum(int(share.split("/")[0]) >= 90 for share in shares), shares
    return result


def alternated(bodies, rounds=6, connections=ALTERNATED_CONNECTIONS, duration=ALTERNATED_SECONDS):
    """Our requests/s as a share of the ceiling's, both servers up and loaded in turn (the order swapped every
    round), so that a slow spell of the shared machine falls on both: each round's share, in order."""
    servers = {}
    for app in ("bench.bare:app", "application:application"):
        port = free_port()
        servers[app] = port, start(app, port)[0]
    shares = []
    for round_ in range(rounds):
        order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
        rps = {app: wrk(servers[app][0], bodies, connections, duration, servers[app][1])["rps"] for app in order}
        shares.append(rps["application:application"] / rps["bench.bare:app"])
    for _, master in servers.values():
        stop(master)
    return shares


def worker_memory(master):
    """Resident and proportional set size (MB) of each gunicorn worker of `master`."""
    children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True, text=True).stdout.split()
    sizes = []
    for pid in children:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        rss, pss = (int(re.search(rf"^{key}:\s+(\d+)", rollup, re.M).group(1)) / 1024 for key in ("Rss", "Pss"))
        sizes.append((round(rss, 1), round(pss, 1)))
    return sizes


def cold_starts():
    """Seconds from process start to /ping 200: warm cache, then a download from a local HTTP source."""
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        port = free_port()
        process, _ = start("application:application", port, {"MODEL_CACHE_DIR": cache})
        stop(process)
        process, results["warm cache"] = start("application:application", port, {"MODEL_CACHE_DIR": cache})
        stop(process)
    source_port = free_port()
    source = subprocess.Popen([sys.executable, "-m", "http.server", str(source_port), "--bind", "127.0.0.1",
                               "--directory", str(ROOT / "models")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        with tempfile.TemporaryDirectory() as cache:
            process, results["download from local HTTP"] = start(
                "application:application", free_port(),
                {"MODEL_CACHE_DIR": cache, "MODEL_SOURCE": f"http://127.0.0.1:{source_port}"})
            stop(process)
    finally:
        stop(source)
    return results


def chart(rows, path):
    """Throughput and p99 against concurrency, ceiling vs ours."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, points in rows.items():
        left.plot(CONCURRENCIES, [p["rps"] for p in points], marker="o", label=name)
        right.plot(CONCURRENCIES, [p["p99"] for p in points], marker="o", label=name)
    for ax, label in ((left, "requests/s"), (right, "p99 latency (ms)")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrent connections")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    left.legend()
    fig.suptitle("POST /invocations, one text per request, gunicorn as in the Procfile")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    """Run every measurement, write bench/results.md and bench/results.png, print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian package wrk)")
    pairs = tweets(args.data)
    explicit = [json.dumps({"text": text, "language": lang}, ensure_ascii=False) for lang, text in pairs]
    # Auto-detect bodies: the tweets lid.176 places in a served language (others rightly answer 400).
    _, lid = load_models(ROOT / "models")
    auto = [json.dumps({"text": text}, ensure_ascii=False) for _, text in pairs
            if lid.detect(normalize(text), default="en", served=UMSAB_FOLDERS) in UMSAB_FOLDERS]
    texts = [json.loads(body)["text"] for body in auto]
    batches = [json.dumps({"texts": list(itertools.islice(itertools.cycle(texts), i, i + 1000))},
                          ensure_ascii=False) for i in range(0, len(texts), 1000)]
    # One language's tweets: what a single-language client sends, and one model's tables in the CPU cache.
    explicit_en = [body for (lang, _), body in zip(pairs, explicit) if lang == "en"]
    english = list(itertools.islice(itertools.cycle([text for lang, text in pairs if lang == "en"]), 1000))
    english_batch = [json.dumps({"texts": english, "language": "en"}, ensure_ascii=False)]

    port = free_port()
    bare, _ = start("bench.bare:app", port)
    rows = {"ceiling: bare Flask": [wrk(port, explicit, c, args.duration, bare) for c in CONCURRENCIES]}
    stop(bare)

    ours, _ = start("application:application", port)
    rows["ours: explicit language"] = [wrk(port, explicit, c, args.duration, ours) for c in CONCURRENCIES]
    rows["ours: English tweets, named"] = [wrk(port, explicit_en, c, args.duration, ours) for c in CONCURRENCIES]
    rows["ours: auto-detect"] = [wrk(port, auto, c, args.duration, ours) for c in CONCURRENCIES]
    batch = [wrk(port, batches, c, args.duration, ours) for c in BATCH_CONCURRENCIES]
    batch_en = [wrk(port, english_batch, c, args.duration, ours) for c in BATCH_CONCURRENCIES]
    attacks, worst, slowest_ping, pings = hostile(port)
    memory = worker_memory(ours)
    stop(ours)

    balance = accept_balance(explicit)
    paired = alternated(explicit)
    local = in_process(pairs)
    cold = cold_starts()
    english_texts = [text for lang, text in pairs if lang == "en"]
    instructions = {name: (instructions_per_request(spec), instructions_per_request(spec, english_texts))
                    for name, spec in [("ceiling: bare Flask", "bench.bare:app"), ("ours", "application:application")]}

    ceiling = max(p["rps"] for p in rows["ceiling: bare Flask"])
    best = {name: max(p["rps"] for p in points) for name, points in rows.items()}
    lines = [
        f"# Benchmark results\n\nMachine: {os.cpu_count()} cores, {' '.join(os.uname()[2:3])}, Python "
        f"{sys.version.split()[0]}; {len(pairs)} tweets ({'UMSAB val' if len(pairs) > 100 else 'bench/sample.txt'}), "
        f"{len(auto)} of them detected as a served language and used for auto-detect; "
        f"wrk -t1, {args.duration} s per run; gunicorn as in the Procfile.\n",
        "## POST /invocations, one text per request\n",
        "| server | connections | requests/s | p50 ms | p99 ms | CPU share of the two workers, % |",
        "|---|---|---|---|---|---|",
    ]
    for name, points in rows.items():
        lines += [f"| {name} | {c} | {p['rps']:,.0f} | {p['p50']:.2f} | {p['p99']:.2f} | {p['cpu']} |"
                  for c, p in zip(CONCURRENCIES, points)]
    lines += ["", f"Alternated: the ceiling and ours (explicit language) both up, each loaded in turn for "
              f"{ALTERNATED_SECONDS} s at {ALTERNATED_CONNECTIONS} connections, {len(paired)} rounds; "
              "our share of the ceiling's requests/s, round by round: "
              f"{', '.join(f'{share:.0%}' for share in paired)}; median {statistics.median(paired):.0%}."]
    lines += ["", "## Batch, 1,000 texts per request\n",
              "| texts | connections | texts/s | p50 ms | p99 ms | CPU share of the two workers, % |",
              "|---|---|---|---|---|---|"]
    for name, points in [("mixed languages, auto-detect", batch), ("English, named", batch_en)]:
        lines += [f"| {name} | {c} | {p['rps'] * 1000:,.0f} | {p['p50']:.1f} | {p['p99']:.1f} | {p['cpu']} |"
                  for c, p in zip(BATCH_CONCURRENCIES, points)]
    lines += ["", "## Accept balance: 20 runs of 1 s, 16 new kept-alive connections each, one text per request\n",
              "| worker | runs with a worker idle (≥ 90/10 CPU split) | CPU splits, % |", "|---|---|---|"]
    lines += [f"| {name} | {idle} of {len(shares)} | {', '.join(shares)} |" for name, (idle, shares) in balance.items()]
    lines += ["", "## Instructions per request (valgrind cachegrind, English, no server)\n",
              "| app | one short tweet | vs ceiling | 100 of the benchmark's English tweets, in turn | vs ceiling |",
              "|---|---|---|---|---|"]
    ceiling_counts = instructions["ceiling: bare Flask"]
    lines += [f"| {name} | {one:,} | {one / ceiling_counts[0]:.2f}x | {mixed:,} | {mixed / ceiling_counts[1]:.2f}x |"
              for name, (one, mixed) in instructions.items()]
    lines += ["", "## Hostile texts at the 5,000-byte limit, English named\n",
              "| text | one text: ms | batch of up to 1 MiB: texts | ms | ms per text vs ordinary |",
              "|---|---|---|---|---|"]
    ordinary = attacks["ordinary text"][1] / attacks["ordinary text"][2]
    lines += [f"| {name} | {one:.1f} | {n} | {many:.1f} | {many / n / ordinary:.1f}x |"
              for name, (one, many, n) in attacks.items()]
    lines += ["", f"While four clients sent 1 MiB batches of \"{worst}\" for 5 s, the slowest of {pings} `/ping` "
              f"answers took {slowest_ping:.0f} ms."]
    lines += ["", "## In process, one core\n", "| work per text | texts/s |", "|---|---|"]
    lines += [f"| {name} | {rate:,.0f} |" for name, rate in local.items()]
    lines += ["", "## Start-up and memory\n", "| measure | value |", "|---|---|"]
    lines += [f"| cold start to /ping 200, {name} | {seconds:.2f} s |" for name, seconds in cold.items()]
    served = sum(p["rps"] for name in rows if name.startswith("ours") for p in rows[name])
    lines += [f"| worker {i + 1} after the runs above ({served * args.duration:,.0f} requests): RSS / PSS "
              f"| {rss} MB / {pss} MB |" for i, (rss, pss) in enumerate(memory)]
    ratios = [f"single text, explicit language: {best['ours: explicit language'] / ceiling:.0%} of the ceiling",
              f"single text, explicit language, alternated with the ceiling: median {statistics.median(paired):.0%} "
              f"({min(paired):.0%}–{max(paired):.0%} over {len(paired)} rounds)",
              f"single text, English tweets named: {best['ours: English tweets, named'] / ceiling:.0%} of the ceiling",
              f"single text, auto-detect: {best['ours: auto-detect'] / ceiling:.0%} of the ceiling",
              f"batch, auto-detect: {max(p['rps'] for p in batch) * 1000:,.0f} texts/s",
              f"batch, English named: {max(p['rps'] for p in batch_en) * 1000:,.0f} texts/s",
              f"in process: {local['normalise + predict']:,.0f} texts/s on one core",
              f"instructions per request: {instructions['ours'][0] / ceiling_counts[0]:.2f}x the ceiling's for one "
              f"short tweet, {instructions['ours'][1] / ceiling_counts[1]:.2f}x over 100 English tweets"]
    lines += ["", "## Ratios\n"] + [f"- {r}" for r in ratios] + [""]
    (ROOT / "bench" / "results.md").write_text("\n".join(lines), encoding="utf-8")
    chart(rows, ROOT / "bench" / "results.png")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
