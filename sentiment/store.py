"""The local model cache: fetch each model from its source, verify its sha256, then rename it into place."""

import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import boto3
import botocore.config
import botocore.exceptions
import requests

MANIFEST = "manifest.json"

log = logging.getLogger(__name__)


class SourceError(Exception):
    """The model source could not deliver a file."""


class VerificationError(Exception):
    """A file does not match its manifest entry."""


def sha256_of(path):
    """Return the hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, entry):
    """Raise VerificationError unless the file at `path` has the size and sha256 of its manifest `entry`."""
    size = os.path.getsize(path)
    if size != entry["size"]:
        raise VerificationError(f"{path.name}: {size} bytes, manifest says {entry['size']}")
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise VerificationError(f"{path.name}: sha256 {digest}, manifest says {entry['sha256']}")


def _fetch_s3(source, name, dest, timeout):
    bucket, _, prefix = source[len("s3://") :].partition("/")
    key = f"{prefix.rstrip('/')}/{name}" if prefix else name
    config = botocore.config.Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1})
    body = boto3.client("s3", config=config).get_object(Bucket=bucket, Key=key)["Body"]
    with open(dest, "wb") as f:
        for chunk in body.iter_chunks(1 << 16):
            f.write(chunk)


def _fetch_http(source, name, dest, timeout):
    with requests.get(f"{source.rstrip('/')}/{name}", stream=True, timeout=timeout) as response:
        response.raise_for_status()
        with open(dest, "wb") as f:
            for chunk in response.iter_content(1 << 16):
                f.write(chunk)


def _fetch_local(source, name, dest, timeout):
    shutil.copyfile(Path(source) / name, dest)


def _fetcher(source):
    if source.startswith("s3://"):
        return _fetch_s3
    if source.startswith(("http://", "https://")):
        return _fetch_http
    return _fetch_local


def _is_file_entry(entry):
    return (isinstance(entry, dict) and isinstance(entry.get("file"), str)
            and isinstance(entry.get("size"), int) and isinstance(entry.get("sha256"), str))


def _check(manifest):
    """Raise ValueError unless `manifest` names a file, size and sha256 for every model and its lexicon."""
    models = manifest.get("models") if isinstance(manifest, dict) else None
    if not isinstance(models, dict):
        raise ValueError("manifest has no 'models' object")
    for name, entry in models.items():
        if not _is_file_entry(entry) or ("lexicon" in entry and not _is_file_entry(entry["lexicon"])):
            raise ValueError(f"manifest entry {name!r} lacks file, size or sha256")


class Store:
    """Models from `source` (a folder, s3://bucket/prefix or an http(s) base URL), cached in `cache_dir`."""

    def __init__(self, source, cache_dir, timeout=10.0, retries=3, backoff=0.5):
        self.source = str(source)
        self.cache_dir = Path(cache_dir)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._fetch = _fetcher(self.source)

    def _download(self, name, dest):
        """Fetch `name` from the source into `dest`, retrying with exponential backoff."""
        for attempt in range(self.retries):
            try:
                self._fetch(self.source, name, dest, self.timeout)
                return
            except (OSError, requests.RequestException, botocore.exceptions.BotoCoreError,
                    botocore.exceptions.ClientError) as error:
                last = error
                log.warning("fetch failed", extra={"file": name, "attempt": attempt + 1, "reason": str(error)})
                if attempt + 1 < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        raise SourceError(f"{name} from {self.source}: {last}")

    @contextmanager
    def _locked(self):
        """Hold an exclusive lock on the cache, so that concurrent workers download each file once."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with open(self.cache_dir / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _manifest(self):
        """Refresh the cached manifest from the source; fall back on the cached one if the source is down."""
        cached = self.cache_dir / MANIFEST
        part = cached.with_name(MANIFEST + ".part")
        try:
            self._download(MANIFEST, part)
            with open(part, encoding="utf-8") as f:
                manifest = json.load(f)
            _check(manifest)
            os.replace(part, cached)
            return manifest
        except (SourceError, ValueError) as error:
            part.unlink(missing_ok=True)
            if not cached.exists():
                raise SourceError(f"no manifest: {error}") from error
            log.warning("using the cached manifest", extra={"reason": str(error)})
            with open(cached, encoding="utf-8") as f:
                return json.load(f)

    def _ensure(self, entry):
        """Return the path of a verified cached copy of `entry`, downloading it if needed."""
        path = self.cache_dir / Path(entry["file"]).name
        if path.exists():
            try:
                verify(path, entry)
                return path
            except VerificationError as error:
                log.warning("cached copy is stale", extra={"reason": str(error)})
        part = path.with_name(path.name + ".part")
        try:
            self._download(entry["file"], part)
            verify(part, entry)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return path

    def sync(self, names):
        """Make sure each named model, and its lexicon if it has one, is cached and verified in the cache
        folder: return (manifest, {name: model path}, {name: error})."""
        paths, errors = {}, {}
        with self._locked():
            try:
                manifest = self._manifest()
            except SourceError as error:
                return {"models": {}}, {}, {name: str(error) for name in names}
            for name in names:
                entry = manifest["models"].get(name)
                if entry is None:
                    errors[name] = f"{name} is not in the manifest of {self.source}"
                    continue
                try:
                    if "lexicon" in entry:
                        self._ensure(entry["lexicon"])
                    paths[name] = self._ensure(entry)
                except (SourceError, VerificationError, OSError) as error:
                    errors[name] = str(error)
        return manifest, paths, errors
