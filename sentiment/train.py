"""Build the shipped models: `python -m sentiment.train --data DIR --out models`.

Per language: cross-validate the recipe (sentiment.recipe) to fit the calibration (a temperature, class
biases and smoothing where the recipe asks, and a temperature for plain sentences where it has them; then the
temperature and biases scaled so that the mean top score is the accuracy) on out-of-fold predictions and to record
the model's figures, then train on all of UMSAB train+val and the recipe's extra corpora and plain sentences, and
write the model, its lexicon and the manifest entry listing both.
"""

import argparse
import datetime
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

from . import cv
from .calibration import fit_all
from .data import LABELS
from .languages import UMSAB_FOLDERS
from .model import SentimentModel
from .recipe import (TRAINER, lexicon_and_extras, own_lexicons, plain_bias, plain_copies, plain_files, plain_pairs,
                     recipe, require_corpora, train, training_lines, umsab_pairs)
from .store import MANIFEST, sha256_of

LID_FILE = "lid.176.ftz"
LID_ENTRY = {"labels": "176 languages", "training_data": "fastText lid.176 (Wikipedia, Tatoeba, SETimes)",
             "licence": "CC BY-SA 3.0"}


def entry(path, **fields):
    """Return the manifest entry of the file at `path`."""
    return {"file": path.name, "sha256": sha256_of(path), "size": path.stat().st_size, **fields}


def write_manifest(out, models):
    """Write `out/manifest.json` (via a `.part` file) listing `models`."""
    manifest = {"fasttext_version": f"{TRAINER} {version(TRAINER)}", "models": models}
    part = out / (MANIFEST + ".part")
    part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, out / MANIFEST)


def build(data_dir, language, out, folds=cv.FOLDS, repeats=cv.REPEATS):
    """Cross-validate and train `language`'s model into `out`; return its manifest entry."""
    chosen = recipe(language)
    result = cv.cross_validate(data_dir, language, chosen, folds, repeats)
    temperature, bias, smoothing, plain_temperature = fit_all(
        result["rows"], result["truth"], result["read_plain"], result["plain_rows"], result["plain_truth"],
        chosen["class_bias"], chosen["smoothing"], plain_bias(chosen))
    lexicon_path = out / f"{language}.lexicon.tsv"
    lexicon, extra = lexicon_and_extras(data_dir, language, chosen, lexicon_path)
    plain = plain_pairs(language, chosen["plain_questions"])
    pairs = umsab_pairs(data_dir, language) + extra + plain_copies(language, plain, chosen["plain"],
                                                                   chosen["plain_exclaimed"])
    path = out / f"{language}.ftz"
    train(training_lines(pairs, lexicon), path, chosen["train"], chosen["quantize"])
    fields = {"language": language, "labels": SentimentModel(path).labels, "temperature": round(temperature, 4),
              "training_data": [f"umsab/{UMSAB_FOLDERS[language]} (train+val)", *chosen["extra"],
                                *(f"{folder} (lexicon-labelled)" for folder in chosen["silver"]),
                                *(["sentiment/lexicons/emoji.tsv (each entry alone)"] if chosen["emoji_lines"] else []),
                                *(f"sentiment/{path.name} (x{chosen['plain']})"
                                  for path in plain_files(chosen["plain_questions"]) if chosen["plain"])],
              "train_lines": len(pairs), "cv": cv.summary(result)}
    if plain_temperature:
        fields["plain_temperature"] = round(plain_temperature, 4)
        if chosen["plain_lower_case"]:
            fields["plain_lower_case"] = True
    if chosen["smoothing"]:
        fields["smoothing"] = smoothing
    if chosen["class_bias"]:
        fields["bias"] = {label: round(b, 4) for label, b in zip(LABELS, bias)}
        if not chosen["plain_bias"]:
            fields["plain_bias"] = {label: 0.0 for label in LABELS}
    if lexicon:
        own = [f"sentiment/lexicons/{own.name} (this project)" for own in own_lexicons(language)]
        forms = [f"simplemma {version('simplemma')} (each word's forms)"] if chosen["lemma_forms"] else []
        fields["lexicon"] = entry(lexicon_path, sources=[*chosen["lexicons"], *own, *forms], entries=lexicon.entries,
                                  weight=lexicon.weight, drop_negated=lexicon.drop_negated)
        if lexicon.stop_words:
            fields["lexicon"]["stop_words"] = sorted(lexicon.stop_words)
    return entry(path, **fields, version=datetime.date.today().isoformat())


def main(argv=None):
    """Build the models of --languages from --data into --out, with the manifest listing every file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder holding umsab/, extra/ and lexicons/")
    parser.add_argument("--out", default="models")
    parser.add_argument("--languages", default=",".join(UMSAB_FOLDERS))
    parser.add_argument("--folds", type=int, default=cv.FOLDS)
    parser.add_argument("--repeats", type=int, default=cv.REPEATS)
    args = parser.parse_args(argv)
    languages = args.languages.split(",")
    # Checked before anything is trained, so a bad call leaves --out as it was.
    require_corpora(parser, args.data, languages)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # Languages not rebuilt this time keep their entries.
    manifest = out / MANIFEST
    models = json.loads(manifest.read_text(encoding="utf-8"))["models"] if manifest.exists() else {}
    # Built in a hidden folder inside --out (so that each move is a rename) and moved in only once every language is
    # built, just before the manifest: a build stopped halfway leaves --out as it was, not files its manifest lacks.
    with tempfile.TemporaryDirectory(dir=out, prefix=".build-") as staging:
        staging = Path(staging)
        for language in languages:
            models[language] = built = build(args.data, language, staging, args.folds, args.repeats)
            figures = built["cv"]
            print(f"{language}: CV macro-F1 {figures['macro_f1']:.1f} ± {figures['macro_f1_sd']:.1f}, "
                  f"ECE {figures['ece']:.1f}, T {built['temperature']}, {built['size'] / 1e6:.2f} MB", flush=True)
        for path in staging.iterdir():
            os.replace(path, out / path.name)
    if (out / LID_FILE).exists():
        models["lid"] = entry(out / LID_FILE, **LID_ENTRY)
    write_manifest(out, models)


if __name__ == "__main__":
    main()
