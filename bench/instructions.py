"""Instructions per request, counted by valgrind's cachegrind: stable where wall-clock figures on a shared
machine are not. One POST /invocations of one English tweet, straight into the WSGI app (no server),
run N1 and N2 times; the difference divided by N2 - N1 leaves out start-up. A fixed hash seed keeps the count
the same from run to run (dict and set layouts otherwise move it by a few percent).

`python bench/instructions.py` prints the bare route's count and ours; `make bench` records both.
"""

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY = json.dumps({"text": "I love this film, it is wonderful @user http://t.co/x", "language": "en"}).encode()
RUNS = (50, 150)


def drive(spec, count):
    """Import the WSGI app `spec` ("module:name") and send it `count` requests."""
    sys.path.insert(0, str(ROOT))
    module, name = spec.split(":")
    app = getattr(__import__(module, fromlist=[name]), name)
    sys.stdout = open(os.devnull, "w")  # the access log
    for _ in range(count):
        environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/invocations", "SERVER_NAME": "localhost",
                   "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
                   "wsgi.input": io.BytesIO(BODY), "wsgi.errors": sys.stderr, "CONTENT_TYPE": "application/json",
                   "CONTENT_LENGTH": str(len(BODY))}
        b"".join(app(environ, lambda status, headers, exc_info=None: None))


def total(spec, count):
    """Instructions of a whole process that sends `count` requests to `spec`."""
    out = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
                          sys.executable, __file__, spec, str(count)], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "LANGUAGES": "en", "PYTHONHASHSEED": "0"}, check=True).stderr
    return int(re.search(r"I\s+refs:\s+([\d,]+)", out).group(1).replace(",", ""))


def per_request(spec):
    """Instructions one request costs the WSGI app `spec`."""
    low, high = RUNS
    return (total(spec, high) - total(spec, low)) // (high - low)


if __name__ == "__main__":
    if len(sys.argv) == 3:
        drive(sys.argv[1], int(sys.argv[2]))
    else:
        bare, ours = per_request("bench.bare:app"), per_request("application:application")
        print(f"bare route {bare:,}, ours {ours:,} instructions per request ({ours / bare:.2f}x)")
