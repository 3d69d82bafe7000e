"""Every example in the README, run as written against gunicorn on the shipped models, answers as shown."""

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT, free_port, kill, start

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)
ANY = "__any__"


def examples():
    """(kind, code, expected answer text) of each README example that calls the service."""
    found = []
    for index, (kind, code) in enumerate(BLOCKS):
        following = BLOCKS[index + 1] if index + 1 < len(BLOCKS) else ("", "")
        if kind == "sh" and code.startswith("curl "):
            shown = "\n".join(line[2:] for line in code.splitlines() if line.startswith("# {"))
            found.append(("sh", code, shown or following[1]))
        elif kind == "python" and "boto3.client" in code:
            found.append(("python", code, code.rsplit("# ", 1)[1].strip()))
    return found


def matches(shown, actual):
    """True when `actual` is what `shown` shows: same keys, same strings, numbers within their rounding."""
    if shown == ANY:
        return True
    if isinstance(shown, dict):
        return isinstance(actual, dict) and set(shown) == set(actual) and all(
            matches(shown[key], actual[key]) for key in shown)
    if isinstance(shown, list):
        return isinstance(actual, list) and len(shown) == len(actual) and all(map(matches, shown, actual))
    if isinstance(shown, float) and not isinstance(actual, bool):
        return isinstance(actual, (int, float)) and abs(shown - actual) <= 0.005 + 1e-9
    return shown == actual


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    port = free_port()
    master = start(ROOT / "models", tmp_path_factory.mktemp("cache"), port, LANGUAGES="en,fr,de,it,es,pt,ar,hi")
    yield port
    kill(master)


def test_the_readme_has_its_examples():
    assert [kind for kind, _, _ in examples()] == ["sh", "sh", "sh", "python", "sh"]


@pytest.mark.parametrize("kind, code, shown", examples(), ids=lambda value: str(value)[:40])
def test_readme_example_answers_as_shown(port, kind, code, shown):
    code = code.replace("localhost:8000", f"127.0.0.1:{port}")
    command = ["bash", "-c", code] if kind == "sh" else [sys.executable, "-c", code]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    if kind == "python":
        assert out.strip() == shown
        return
    shown = shown.strip().replace("{...}", json.dumps(ANY))
    try:
        pairs = [(json.loads(shown), json.loads(out))]
    except json.JSONDecodeError:  # JSON lines: one answer a line
        pairs = [(json.loads(a), json.loads(b)) for a, b in zip(shown.splitlines(), out.splitlines(), strict=True)]
    assert all(matches(a, b) for a, b in pairs), out
