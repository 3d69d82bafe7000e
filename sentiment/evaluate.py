"""Score sentiment models on a corpus in the UMSAB layout: `python -m sentiment.evaluate --data DIR`."""

import argparse
import json
from pathlib import Path

from .data import LABELS, read_corpus, umsab_folder
from .languages import UMSAB_FOLDERS
from .model import SentimentModel, sentiment
from .text import normalize

# Macro-F1 on the UMSAB test split published in the XLM-T paper (fastText, XLM-R), for comparison.
PAPER = {
    "en": (50.9, 68.2),
    "fr": (54.8, 72.0),
    "de": (59.6, 73.6),
    "it": (54.7, 71.5),
    "es": (50.1, 65.9),
    "pt": (55.1, 67.1),
    "ar": (46.0, 63.6),
    "hi": (37.1, 36.6),
}


def metrics(truth, predicted):
    """Return macro-F1, accuracy and per-class F1 (percentages) of `predicted` against `truth`."""
    per_class = {}
    for label in LABELS:
        tp = sum(t == p == label for t, p in zip(truth, predicted))
        fp = sum(p == label != t for t, p in zip(truth, predicted))
        fn = sum(t == label != p for t, p in zip(truth, predicted))
        per_class[label] = 200.0 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {
        "macro_f1": round(sum(per_class.values()) / len(LABELS), 2),
        "accuracy": round(100.0 * sum(t == p for t, p in zip(truth, predicted)) / len(truth), 2),
        "f1": {label: round(f1, 2) for label, f1 in per_class.items()},
    }


def score(model, texts, labels):
    """Return the metrics of `model` (a SentimentModel) on `texts` against `labels`."""
    predicted = [sentiment(model.scores(normalize(text))).lower() for text in texts]
    return metrics(labels, predicted)


def table(results):
    """Return a Markdown table of per-language `results` against the paper's figures."""
    rows = [
        "| language | macro-F1 | accuracy | F1 neg / neu / pos | paper fastText | paper XLM-R |",
        "|---|---|---|---|---|---|",
    ]
    for language, r in results.items():
        f1 = " / ".join(f"{r['f1'][label]:.1f}" for label in LABELS)
        fasttext_f1, xlmr_f1 = PAPER.get(language, ("", ""))
        rows.append(f"| {language} | {r['macro_f1']:.1f} | {r['accuracy']:.1f} | {f1} | {fasttext_f1} | {xlmr_f1} |")
    return "\n".join(rows)


def main(argv=None):
    """Print the per-language table of the models in --models on the --split of --data."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder holding umsab/<language>/<split>_*.txt")
    parser.add_argument("--models", default="models", help="folder holding manifest.json and the models")
    parser.add_argument("--split", default="val")
    args = parser.parse_args(argv)
    manifest = json.loads((Path(args.models) / "manifest.json").read_text())
    results = {}
    for language in UMSAB_FOLDERS:
        entry = manifest["models"].get(language)
        folder = umsab_folder(args.data, language)
        if entry and (folder / f"{args.split}_text.txt").exists():
            model = SentimentModel(Path(args.models) / entry["file"])
            results[language] = score(model, *read_corpus(folder, args.split))
    print(table(results))


if __name__ == "__main__":
    main()
