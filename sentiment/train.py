"""Train one quantized fastText model per language: `python -m sentiment.train --data DIR --out models`."""

import argparse
import ctypes
import datetime
import json
import os
import random
import tempfile
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

import fasttext

from .data import read_corpus, umsab_folder
from .evaluate import score
from .languages import UMSAB_FOLDERS
from .model import SentimentModel
from .store import MANIFEST, sha256_of
from .text import normalize

# Shared by every language; thread=1 with a fixed seed makes a rerun reproduce the same model.
TRAIN = {"epoch": 20, "lr": 0.5, "wordNgrams": 2, "dim": 10, "minn": 4, "maxn": 4, "bucket": 200_000,
         "loss": "softmax", "thread": 1, "seed": 0, "verbose": 0}
QUANTIZE = {"qnorm": True, "cutoff": 50_000, "retrain": False, "dsub": 2, "thread": 1, "verbose": 0}
# Per language: what beat TRAIN on the UMSAB val split, averaged over 3 to 8 shuffles of the training lines,
# in a grid over epoch, lr, wordNgrams and minn/maxn. Each character n-gram length costs prediction time:
# one length (4) scores as 2-5 do for fr, es and ar at half the time; English and German score the same
# without any.
TUNED = {
    "en": {"epoch": 10, "lr": 0.25, "minn": 0, "maxn": 0},
    "de": {"minn": 0, "maxn": 0},
    "it": {"epoch": 10, "lr": 0.25, "wordNgrams": 1, "minn": 2, "maxn": 5},
    "es": {"epoch": 10, "lr": 0.25, "wordNgrams": 1},
    "pt": {"lr": 0.25, "wordNgrams": 1, "minn": 2, "maxn": 3},
    "hi": {"minn": 2, "maxn": 5},
}
# Per language: corpora (folders under the data folder) that join its UMSAB train split, each with the
# number of lines per class to sample (None: all of it). Chosen on val; see README "Model quality".
EXTRA = {
    "en": {"extra/en/semeval2013-2017": 10_000},
    "fr": {"extra/fr/deft2015-task2.2-polarity": None, "extra/fr/deft2017-task1-train": None},
    "de": {"extra/de/sb10k": 100},
    "it": {"extra/it/sentipolc2016": None},
    "hi": {"umsab/english": None},
}
LID_FILE = "lid.176.ftz"
LID_ENTRY = {"labels": "176 languages", "training_data": "fastText lid.176 (Wikipedia, Tatoeba, SETimes)",
             "licence": "CC BY-SA 3.0"}


# glibc's mallopt parameter M_PERTURB: new allocations are filled with 0xFF ^ its value.
M_PERTURB = -6


@contextmanager
def _zero_filled_allocations():
    """Have glibc zero-fill every allocation while the block runs (see train)."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is None:
        yield
        return
    mallopt(M_PERTURB, 0xFF)
    try:
        yield
    finally:
        mallopt(M_PERTURB, 0)


def _sample(texts, labels, per_class):
    """Return up to `per_class` (text, label) pairs of each label, drawn reproducibly."""
    by_label = {}
    for text, label in zip(texts, labels):
        by_label.setdefault(label, []).append((text, label))
    pairs = []
    for label in sorted(by_label):
        items = by_label[label]
        random.Random(0).shuffle(items)
        pairs += items[:per_class]
    return pairs


def recipe(language):
    """Return the fastText training parameters of `language`: TRAIN with its TUNED settings."""
    return {**TRAIN, **TUNED.get(language, {})}


def missing_corpora(data_dir, languages):
    """Return the unknown codes among `languages` and the corpus files they need that `data_dir` lacks."""
    missing = []
    for language in languages:
        if language not in UMSAB_FOLDERS:
            missing.append(language)
            continue
        # The val split too: the manifest records each model's val scores.
        needed = [umsab_folder(data_dir, language) / f"{split}_text.txt" for split in ("train", "val")]
        needed += [Path(data_dir) / folder / "train_text.txt" for folder in EXTRA.get(language, {})]
        missing += [str(path) for path in needed if not path.exists()]
    return missing


def require_corpora(parser, data_dir, languages):
    """Stop with `parser`'s usage error (exit 2) if `missing_corpora` finds anything."""
    missing = missing_corpora(data_dir, languages)
    if missing:
        parser.error(f"no training data for: {', '.join(missing)} (known languages: {', '.join(UMSAB_FOLDERS)})")


def training_lines(data_dir, language, seed=0):
    """Return the fastText training lines of `language`, shuffled by `seed`, and the folders they came from."""
    data_dir = Path(data_dir)
    pairs = list(zip(*read_corpus(umsab_folder(data_dir, language), "train")))
    sources = [str(umsab_folder(data_dir, language).relative_to(data_dir))]
    for folder, per_class in EXTRA.get(language, {}).items():
        pairs += _sample(*read_corpus(data_dir / folder, "train"), per_class)
        sources.append(folder)
    random.Random(seed).shuffle(pairs)
    return [f"__label__{label} {normalize(text)}" for text, label in pairs], sources


def train(lines, path, train_params, quantize_params):
    """Train on fastText `lines` and write the quantized model to `path` via a `.part` file."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        # fastText 0.9.3 allocates the input matrix uninitialised and, with thread < 10, randomises only
        # thread/10 of it: the rest is whatever the heap held, sometimes NaN. Zero-filled, it is as in
        # fastText 0.9.2, and a rerun reproduces the same model.
        with _zero_filled_allocations():
            model = fasttext.train_supervised(input=f.name, **train_params)
        model.quantize(input=f.name, **quantize_params)
    part = Path(f"{path}.part")
    model.save_model(str(part))
    os.replace(part, path)


def entry(path, **fields):
    """Return the manifest entry of the model file at `path`."""
    return {"file": path.name, "sha256": sha256_of(path), "size": path.stat().st_size, **fields}


def write_manifest(out, models):
    """Write `out/manifest.json` (via a `.part` file) listing `models`."""
    manifest = {"fasttext_version": version("fasttext"), "models": models}
    part = out / (MANIFEST + ".part")
    part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, out / MANIFEST)


def main(argv=None):
    """Train the models of --languages from --data into --out, with a manifest and the val table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder holding umsab/ and extra/ in the shared layout")
    parser.add_argument("--out", default="models")
    parser.add_argument("--languages", default=",".join(UMSAB_FOLDERS))
    args = parser.parse_args(argv)
    languages = args.languages.split(",")
    # Checked before anything is trained, so a bad call leaves --out as it was.
    require_corpora(parser, args.data, languages)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = datetime.date.today().isoformat()
    # Languages not retrained this time keep their entries.
    manifest = out / MANIFEST
    models = json.loads(manifest.read_text(encoding="utf-8"))["models"] if manifest.exists() else {}
    for language in languages:
        lines, sources = training_lines(args.data, language)
        path = out / f"{language}.ftz"
        train(lines, path, recipe(language), QUANTIZE)
        model = SentimentModel(path)
        val = score(model, *read_corpus(umsab_folder(args.data, language), "val"))
        models[language] = entry(path, language=language, labels=model.labels, training_data=sources,
                                 train_lines=len(lines), val=val, version=today)
        print(f"{language}: val macro-F1 {val['macro_f1']:.1f}, {path.stat().st_size / 1e6:.2f} MB", flush=True)
    if (out / LID_FILE).exists():
        models["lid"] = entry(out / LID_FILE, **LID_ENTRY)
    write_manifest(out, models)


if __name__ == "__main__":
    main()
