"""Instructions per request, counted by valgrind's cachegrind: stable where wall-clock figures on a shared
machine are not. POST /invocations straight into the WSGI app (no server), run N1 and N2 times; the difference
divided by N2 - N1 leaves out start-up. A fixed hash seed keeps the count the same from run to run (dict and set
layouts otherwise move it by a few percent). The requests send one short English tweet, or (with texts) each
of 100 tweets once: longer texts, with emoji, hashtags and apostrophes, cost our app more and the bare route
about the same.

`python bench/instructions.py [--data ../shared/data]` prints the bare route's count and ours, for the one
tweet and (with the data) for the first 100 English UMSAB val tweets; `make bench` records both.
"""

import argparse
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY = json.dumps({"text": "I love this film, it is wonderful @user http://t.co/x", "language": "en"}).encode()
RUNS = (50, 150)  # with 100 texts, the 100 requests between the two runs send each text once
TEXTS = 100


def drive(spec, count, bodies_file=None):
    """Import the WSGI app `spec` ("module:name") and send it `count` requests: BODY, or the bodies of
    `bodies_file` (one a line) in turn."""
    sys.path.insert(0, str(ROOT))
    module, name = spec.split(":")
    app = getattr(__import__(module, fromlist=[name]), name)
    bodies = Path(bodies_file).read_bytes().splitlines() if bodies_file else [BODY]
    sys.stdout = open(os.devnull, "w")  # the access log
    for i in range(count):
        body = bodies[i % len(bodies)]
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/invocations", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "CONTENT_TYPE": "application/json",
                   "CONTENT_LENGTH": str(len(body))}
        b"".join(app(environ, lambda status, headers, exc_info=None: None))


def total(spec, count, bodies_file=None):
    """Instructions of a whole process that sends `count` requests to `spec`."""
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          sys.executable, __file__, spec, str(count), *([bodies_file] if bodies_file else [])],
                         cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "LANGUAGES": "en", "PYTHONHASHSEED": "0"}, check=True).stderr
    return int(re.search(r"I\s+refs:\s+([\d,]+)", out).group(1).replace(",", ""))


def per_request(spec, texts=None):
    """Instructions one request costs the WSGI app `spec`: of BODY, or on average over the first TEXTS English
    `texts`, one a request."""
    low, high = RUNS
    if not texts:
        return (total(spec, high) - total(spec, low)) // (high - low)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl") as f:
        f.writelines(json.dumps({"text": text, "language": "en"}) + "\n" for text in texts[:TEXTS])
        f.flush()
        return (total(spec, high, f.name) - total(spec, low, f.name)) // (high - low)


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and ":" in sys.argv[1]:
        drive(sys.argv[1], int(sys.argv[2]), *sys.argv[3:])
    else:
        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--data", help="folder holding umsab/: also count over 100 English val tweets")
        args = parser.parse_args()
        bare, ours = per_request("bench.bare:app"), per_request("application:application")
        print(f"one tweet: bare route {bare:,}, ours {ours:,} instructions per request ({ours / bare:.2f}x)")
        if args.data:
            sys.path.insert(0, str(ROOT))
            from sentiment.data import read_corpus, umsab_folder

            texts = read_corpus(umsab_folder(args.data, "en"), "val")[0]
            bare, ours = per_request("bench.bare:app", texts), per_request("application:application", texts)
            print(f"{TEXTS} English val tweets: bare route {bare:,}, ours {ours:,} instructions per request "
                  f"({ours / bare:.2f}x)")
