"""Val macro-F1 of the training recipe over reshuffled training lines: `python -m sentiment.shuffles --data DIR`.

One val split of 324 tweets moves by about two points between shuffles of the same lines, so a recipe change is
judged on the mean of several shuffles, not on one model.
"""

import argparse
import statistics
import tempfile
from pathlib import Path

from . import train
from .data import read_corpus, umsab_folder
from .evaluate import score
from .languages import UMSAB_FOLDERS
from .model import SentimentModel


def shuffle_scores(data_dir, language, shuffles):
    """Return the val macro-F1 of `language`'s quantized recipe trained on shuffles 1..`shuffles` of its lines."""
    val = read_corpus(umsab_folder(data_dir, language), "val")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{language}.ftz"
        for seed in range(1, shuffles + 1):
            lines, _ = train.training_lines(data_dir, language, seed)
            train.train(lines, path, train.recipe(language), train.QUANTIZE)
            results.append(score(SentimentModel(path), *val)["macro_f1"])
    return results


def main(argv=None):
    """Print, per language of --languages, the mean and each val macro-F1 over --shuffles retrainings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder holding umsab/ and extra/ in the shared layout")
    parser.add_argument("--languages", default=",".join(UMSAB_FOLDERS))
    parser.add_argument("--shuffles", type=int, default=8)
    args = parser.parse_args(argv)
    if args.shuffles < 1:
        parser.error("--shuffles must be at least 1")
    languages = args.languages.split(",")
    train.require_corpora(parser, args.data, languages)
    for language in languages:
        results = shuffle_scores(args.data, language, args.shuffles)
        each = " ".join(f"{r:.1f}" for r in results)
        print(f"{language}: val macro-F1 {statistics.mean(results):.2f} over {len(results)} shuffles ({each})", flush=True)


if __name__ == "__main__":
    main()
