"""The local model cache: fetch each model from its source, verify its sha256, then rename it into place."""

import fcntl
import hashlib
import json
import logging
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
import requests

MANIFEST = "manifest.json"
MANIFEST_LIMIT = 1 << 20  # bytes: a manifest is a few KB
# A file name the manifest may give: one plain name in the source's own folder, never a path.
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")

log = logging.getLogger(__name__)


class SourceError(Exception):
    """The model source could not deliver a file."""


class VerificationError(Exception):
    """A file does not match its manifest entry."""


def _open_regular(path):
    """Open `path` for reading, refusing a symbolic link (someone else's file) with OSError."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def sha256_of(path):
    """Return the hex sha256 of the file at `path`, which may not be a symbolic link."""
    digest = hashlib.sha256()
    with _open_regular(path) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, entry):
    """Raise VerificationError unless the file at `path` has the size and sha256 of its manifest `entry`."""
    if path.is_symlink():
        raise VerificationError(f"{path.name} is a symbolic link")
    size = os.path.getsize(path)
    if size != entry["size"]:
        raise VerificationError(f"{path.name}: {size} bytes, manifest says {entry['size']}")
    digest = sha256_of(path)
    if digest != entry["sha256"]:
        raise VerificationError(f"{path.name}: sha256 {digest}, manifest says {entry['sha256']}")


def _write(chunks, dest, limit, deadline):
    """Write `chunks` to `dest`, stopping with VerificationError past `limit` bytes and TimeoutError past the
    monotonic `deadline`: a source may not fill the disk or hold the start-up forever."""
    written = 0
    with os.fdopen(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644), "wb") as f:
        for chunk in chunks:
            written += len(chunk)
            if written > limit:
                raise VerificationError(f"{Path(dest).name.removesuffix('.part')}: over the {limit} bytes expected")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{Path(dest).name.removesuffix('.part')}: download deadline passed")
            f.write(chunk)


def _fetch_s3(source, name, dest, timeout, limit, deadline):
    bucket, _, prefix = source[len("s3://") :].partition("/")
    key = f"{prefix.rstrip('/')}/{name}" if prefix else name
    config = botocore.config.Config(connect_timeout=timeout, read_timeout=timeout, retries={"max_attempts": 1})
    body = boto3.client("s3", config=config).get_object(Bucket=bucket, Key=key)["Body"]
    _write(body.iter_chunks(1 << 16), dest, limit, deadline)


def _fetch_http(source, name, dest, timeout, limit, deadline):
    with requests.get(f"{source.rstrip('/')}/{name}", stream=True, timeout=timeout) as response:
        response.raise_for_status()
        # read1 returns what has arrived rather than waiting for a full chunk, so a source dripping bytes
        # still meets the deadline.
        _write(iter(lambda: response.raw.read1(1 << 16, decode_content=True), b""), dest, limit, deadline)


def _fetch_local(source, name, dest, timeout, limit, deadline):
    with _open_regular(Path(source) / name) as f:
        _write(iter(lambda: f.read(1 << 16), b""), dest, limit, deadline)


def _fetcher(source):
    if source.startswith("s3://"):
        return _fetch_s3
    if source.startswith(("http://", "https://")):
        return _fetch_http
    return _fetch_local


def _is_file_entry(entry):
    return (isinstance(entry, dict) and isinstance(entry.get("file"), str) and FILE_NAME.fullmatch(entry["file"])
            and entry["file"] != MANIFEST and isinstance(entry.get("size"), int) and entry["size"] >= 0
            and isinstance(entry.get("sha256"), str))


def _check(manifest):
    """Raise ValueError unless `manifest` names a plain file name, size and sha256 for every model and its
    lexicon."""
    models = manifest.get("models") if isinstance(manifest, dict) else None
    if not isinstance(models, dict):
        raise ValueError("manifest has no 'models' object")
    for name, entry in models.items():
        if not _is_file_entry(entry) or ("lexicon" in entry and not _is_file_entry(entry["lexicon"])):
            raise ValueError(f"manifest entry {name!r} lacks a plain file name (no path), size or sha256")


class Store:
    """Models from `source` (a folder, s3://bucket/prefix or an http(s) base URL), cached in `cache_dir`."""

    def __init__(self, source, cache_dir, timeout=10.0, retries=3, backoff=0.5, deadline=300.0, manifest_sha256=""):
        self.source = str(source)
        self.cache_dir = Path(cache_dir)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.deadline = deadline
        self.manifest_sha256 = manifest_sha256.strip().lower()
        self._fetch = _fetcher(self.source)
        self._until = None
        # A URL's user info and query (a password, a presigned signature) are credentials: never shown.
        parts = urlsplit(self.source) if "://" in self.source else None
        self._secrets = [part for part in (parts.netloc.rpartition("@")[0], parts.query) if part] if parts else []

    def scrub(self, text):
        """Return `text` with the source's credentials replaced by ***."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _download(self, name, dest, limit):
        """Fetch `name` (at most `limit` bytes) from the source into `dest`, retrying with exponential backoff
        until the sync's deadline."""
        for attempt in range(self.retries):
            try:
                if time.monotonic() > self._until:
                    raise TimeoutError(f"the {self.deadline:g} s download deadline passed")
                self._fetch(self.source, name, dest, self.timeout, limit, self._until)
                return
            except (OSError, requests.RequestException, botocore.exceptions.BotoCoreError,
                    botocore.exceptions.ClientError) as error:
                last = error
                log.warning("fetch failed", extra={"file": name, "attempt": attempt + 1,
                                                   "reason": self.scrub(str(error))})
                if attempt + 1 < self.retries:
                    time.sleep(self.backoff * 2**attempt)
        raise SourceError(self.scrub(f"{name} from {self.source}: {last}"))

    @contextmanager
    def _locked(self):
        """Hold an exclusive lock on the cache, so that concurrent workers download each file once."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_dir / ".lock"
        if path.is_symlink():
            path.unlink()
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)) as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read_manifest(self, path):
        """Return the manifest at `path`, or raise ValueError when it is not the pinned one or not valid."""
        digest = sha256_of(path)
        if self.manifest_sha256 and digest != self.manifest_sha256:
            raise ValueError(f"manifest sha256 {digest} is not the one MODEL_MANIFEST_SHA256 pins")
        with _open_regular(path) as f:
            manifest = json.load(f)
        _check(manifest)
        return manifest

    def _manifest(self):
        """Refresh the cached manifest from the source; fall back on the cached one if the source is down."""
        cached = self.cache_dir / MANIFEST
        part = cached.with_name(MANIFEST + ".part")
        part.unlink(missing_ok=True)  # never write through a planted link
        try:
            self._download(MANIFEST, part, MANIFEST_LIMIT)
            manifest = self._read_manifest(part)
            os.replace(part, cached)
            return manifest
        except (SourceError, VerificationError, ValueError, OSError) as error:
            part.unlink(missing_ok=True)
            try:
                manifest = self._read_manifest(cached)
            except (ValueError, OSError) as cache_error:
                reason = error if isinstance(cache_error, FileNotFoundError) else f"{error}; cached: {cache_error}"
                raise SourceError(f"no manifest: {reason}") from error
            log.warning("using the cached manifest", extra={"reason": self.scrub(str(error))})
            return manifest

    def _ensure(self, entry):
        """Return the path of a verified cached copy of `entry`, downloading it if needed."""
        path = self.cache_dir / entry["file"]
        if path.is_symlink():
            log.warning("symbolic link in the cache removed", extra={"file": path.name})
            path.unlink()
        if path.exists():
            try:
                verify(path, entry)
                return path
            except VerificationError as error:
                log.warning("cached copy is stale", extra={"reason": str(error)})
        part = path.with_name(path.name + ".part")
        part.unlink(missing_ok=True)  # never write through a planted link
        try:
            self._download(entry["file"], part, entry["size"])
            verify(part, entry)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        return path

    def sync(self, names):
        """Make sure each named model, and its lexicon if it has one, is cached and verified in the cache
        folder: return (manifest, {name: model path}, {name: error})."""
        paths, errors = {}, {}
        self._until = time.monotonic() + self.deadline
        with self._locked():
            try:
                manifest = self._manifest()
            except SourceError as error:
                return {"models": {}}, {}, {name: str(error) for name in names}
            for name in names:
                entry = manifest["models"].get(name)
                if entry is None:
                    errors[name] = self.scrub(f"{name} is not in the manifest of {self.source}")
                    continue
                try:
                    if "lexicon" in entry:
                        self._ensure(entry["lexicon"])
                    paths[name] = self._ensure(entry)
                except (SourceError, VerificationError, OSError) as error:
                    errors[name] = str(error)
        return manifest, paths, errors
