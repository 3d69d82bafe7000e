"""Repeated stratified cross-validation over UMSAB train+val: `python -m sentiment.cv --data DIR [--candidate JSON]
[--first-repeat N]`.

Each fold's model is trained on the other folds (and the recipe's extra corpora) and scored on its fold; a
candidate recipe is scored on the very same folds, so the two are compared fold by fold (paired).
"""

import argparse
import json
import multiprocessing
import random
import statistics
import tempfile
from pathlib import Path

from . import recipe as recipes
from .calibration import calibrate_as_served, expected_calibration_error, fit_all
from .data import LABELS
from .evaluate import everyday_set, metrics
from .languages import UMSAB_FOLDERS
from .model import SentimentModel
from .text import looks_plain, normalize

FOLDS = 5
REPEATS = 2


def fold_of(labels, folds, repeat):
    """Return the fold (0..folds-1) of each item, stratified by label and shuffled by `repeat`."""
    by_label = {}
    for index, label in enumerate(labels):
        by_label.setdefault(label, []).append(index)
    assignment = [0] * len(labels)
    rng = random.Random(repeat)
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        for position, index in enumerate(indices):
            assignment[index] = position % folds
    return assignment


def _fit_and_predict(job):
    """Train one fold's model and return its probabilities on the held-out texts (tweets, then plain sentences)
    and the everyday texts."""
    train_pairs, held_out, everyday, chosen, lexicon = job
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.ftz"
        recipes.train(recipes.training_lines(train_pairs, lexicon), path, chosen["train"], chosen["quantize"])
        model = SentimentModel(path, lexicon)
        return ([model.probabilities(tokens) for tokens in held_out],
                [model.probabilities(tokens) for tokens in everyday])


def _label(row):
    return LABELS[max(range(len(row)), key=row.__getitem__)]


def cross_validate(data_dir, language, chosen, folds=FOLDS, repeats=REPEATS, first_repeat=0):
    """Return the out-of-fold results of `language`'s recipe `chosen`: per-fold macro-F1, out-of-fold
    probabilities (raw and calibrated) with their truth and whether each is scored as a plain sentence, the same of
    its plain sentences (folded as the tweets are, and calibrated with a temperature of their own), and
    per-fold-model everyday accuracy. Repeat r shuffles the folds by `first_repeat` + r: a later first repeat gives
    fresh folds, on which a change chosen on the first ones is confirmed."""
    pairs = recipes.umsab_pairs(data_dir, language)
    tokens = [normalize(text) for text, _ in pairs]
    plain = recipes.plain_pairs(language, chosen["plain_questions"]) if chosen["plain"] else []
    # Whether the service scores each tweet as a plain sentence: it reads as one, and the recipe has a temperature
    # for them.
    read_plain = [bool(plain) and looks_plain(text, chosen["plain_lower_case"]) for text, _ in pairs]
    plain_tokens = [normalize(text) for text, _ in plain]
    everyday = [(normalize(text), label, looks_plain(text, chosen["plain_lower_case"]))
                for code, label, text in everyday_set() if code == language]
    with tempfile.TemporaryDirectory() as tmp:
        lexicon_path = Path(tmp) / "lexicon.tsv"
        lexicon, extra = recipes.lexicon_and_extras(data_dir, language, chosen, lexicon_path)
        jobs, held_out = [], []
        for repeat in range(repeats):
            assignment = fold_of([label for _, label in pairs], folds, first_repeat + repeat)
            plain_assignment = fold_of([label for _, label in plain], folds, first_repeat + repeat)
            for fold in range(folds):
                test = [i for i, f in enumerate(assignment) if f == fold]
                plain_test = [i for i, f in enumerate(plain_assignment) if f == fold]
                train_pairs = [pair for pair, f in zip(pairs, assignment) if f != fold] + extra
                plain_train = [pair for pair, f in zip(plain, plain_assignment) if f != fold]
                train_pairs += recipes.plain_copies(language, plain_train, chosen["plain"], chosen["plain_exclaimed"])
                texts = [tokens[i] for i in test] + [plain_tokens[i] for i in plain_test]
                jobs.append((train_pairs, texts, [t for t, _, _ in everyday], chosen, lexicon))
                held_out.append((repeat, fold, test, plain_test))
        with multiprocessing.get_context("fork").Pool() as pool:
            outputs = pool.map(_fit_and_predict, jobs)
    truths = [[LABELS.index(pairs[i][1]) for i in test] for _, _, test, _ in held_out]
    plain_truths = [[LABELS.index(plain[i][1]) for i in plain_test] for *_, plain_test in held_out]
    tweet_rows = [rows[: len(test)] for (_, _, test, _), (rows, _) in zip(held_out, outputs)]
    plain_rows = [rows[len(test) :] for (_, _, test, _), (rows, _) in zip(held_out, outputs)]
    plain_bias = recipes.plain_bias(chosen)
    result = {"macro_f1": [], "rows": [], "read_plain": [], "calibrated": [], "truth": [], "everyday": [],
              "plain_rows": [], "plain_calibrated": [], "plain_truth": []}
    for cell, ((repeat, fold, test, _), (_, everyday_rows)) in enumerate(zip(held_out, outputs)):
        # Each fold is calibrated as the shipped model is, but fitted on the other folds of its repeat (the other
        # repeats hold the same texts): with class biases, its answers and so its macro-F1 are the calibrated ones.
        others = [i for i, (r, f, _, _) in enumerate(held_out) if r == repeat and f != fold]
        temperature, bias, smoothing, plain_temperature = fit_all(
            [row for i in others for row in tweet_rows[i]], [t for i in others for t in truths[i]],
            [read_plain[index] for i in others for index in held_out[i][2]],
            [row for i in others for row in plain_rows[i]], [t for i in others for t in plain_truths[i]],
            chosen["class_bias"], chosen["smoothing"], plain_bias)
        plain_temperature = plain_temperature or temperature
        if plain:
            result["plain_rows"] += plain_rows[cell]
            result["plain_calibrated"] += calibrate_as_served(
                plain_rows[cell], [True] * len(plain_rows[cell]), temperature, bias, smoothing, plain_temperature,
                plain_bias)
            result["plain_truth"] += plain_truths[cell]
        rows, rows_plain = tweet_rows[cell], [read_plain[i] for i in test]
        # As the service does: a tweet that reads as a plain sentence takes the plain temperature.
        calibrated = calibrate_as_served(rows, rows_plain, temperature, bias, smoothing, plain_temperature, plain_bias)
        truth = truths[cell]
        result["macro_f1"].append(metrics([LABELS[t] for t in truth], [_label(row) for row in calibrated])["macro_f1"])
        result["rows"] += rows
        result["read_plain"] += rows_plain
        result["calibrated"] += calibrated
        result["truth"] += truth
        if everyday:
            answers = [_label(row) for row in calibrate_as_served(
                everyday_rows, [is_plain for _, _, is_plain in everyday], temperature, bias, smoothing,
                plain_temperature, plain_bias)]
            right = sum(answer == label for answer, (_, label, _) in zip(answers, everyday))
            result["everyday"].append(100.0 * right / len(everyday))
    return result


def summary(result):
    """Return the figures of one cross-validation: macro-F1 mean and sd, ECE raw and calibrated (and of the plain
    sentences, calibrated, if any), everyday."""
    f1 = result["macro_f1"]
    figures = {"macro_f1": round(statistics.mean(f1), 2), "macro_f1_sd": round(statistics.stdev(f1), 2),
               "ece_raw": round(expected_calibration_error(result["rows"], result["truth"]), 2),
               "ece": round(expected_calibration_error(result["calibrated"], result["truth"]), 2),
               "everyday": round(statistics.mean(result["everyday"]), 1) if result["everyday"] else None,
               "folds": len(f1)}
    if result["plain_truth"]:
        figures["ece_plain"] = round(expected_calibration_error(result["plain_calibrated"], result["plain_truth"]), 2)
    return figures


def patched(chosen, patch):
    """Return recipe `chosen` with `patch` applied: "train", "quantize", "extra" and "silver" merged (a cap of 0
    drops that folder), "lexicons", "lexicon_weight", "drop_negated", "stop_words", "emoji_lines", "plain",
    "class_bias", "plain_bias", "smoothing", "plain_lower_case", "lemma_forms", "plain_exclaimed" and "plain_questions"
    replaced."""
    extra = {**chosen["extra"], **patch.get("extra", {})}
    silver = {**chosen["silver"], **patch.get("silver", {})}
    return {"train": {**chosen["train"], **patch.get("train", {})},
            "quantize": {**chosen["quantize"], **patch.get("quantize", {})},
            "extra": {folder: cap for folder, cap in extra.items() if cap != 0},
            "lexicons": patch.get("lexicons", chosen["lexicons"]),
            "silver": {folder: cap for folder, cap in silver.items() if cap != 0},
            "emoji_lines": patch.get("emoji_lines", chosen["emoji_lines"]),
            "lexicon_weight": patch.get("lexicon_weight", chosen["lexicon_weight"]),
            "drop_negated": patch.get("drop_negated", chosen["drop_negated"]),
            "stop_words": patch.get("stop_words", chosen["stop_words"]),
            "plain": patch.get("plain", chosen["plain"]),
            "class_bias": patch.get("class_bias", chosen["class_bias"]),
            "plain_bias": patch.get("plain_bias", chosen["plain_bias"]),
            "smoothing": patch.get("smoothing", chosen["smoothing"]),
            "plain_lower_case": patch.get("plain_lower_case", chosen["plain_lower_case"]),
            "lemma_forms": patch.get("lemma_forms", chosen["lemma_forms"]),
            "plain_exclaimed": patch.get("plain_exclaimed", chosen["plain_exclaimed"]),
            "plain_questions": patch.get("plain_questions", chosen["plain_questions"])}


def _cell(s):
    everyday = "" if s["everyday"] is None else f"{s['everyday']:.1f}"
    return f"{s['macro_f1']:.1f} ± {s['macro_f1_sd']:.1f} | {s['ece_raw']:.1f} → {s['ece']:.1f} | {everyday}"


def main(argv=None):
    """Print the cross-validated table of the current recipe, and of --candidate paired against it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder holding umsab/, extra/ and lexicons/")
    parser.add_argument("--languages", default=",".join(UMSAB_FOLDERS))
    parser.add_argument("--candidate", type=json.loads, default=None,
                        help='recipe change as JSON, for every language ({"train": {"epoch": 5}, "extra": '
                             '{"extra/es/tass2012-general-train": 1000}, "lexicons": [...], "lexicon_weight": 3, '
                             '"drop_negated": true, "stop_words": 50, "emoji_lines": true, "plain": 2, '
                             '"class_bias": true, "plain_bias": false, "smoothing": true, "plain_lower_case": true, '
                             '"lemma_forms": true, "plain_exclaimed": true, "plain_questions": true}) or per language '
                             '({"es": {...}})')
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--first-repeat", type=int, default=0,
                        help="the shuffle of the first repeat; the models are built on 0 and 1, so 100 gives fresh "
                             "folds")
    args = parser.parse_args(argv)
    if args.folds < 2 or args.repeats < 1 or args.first_repeat < 0:
        parser.error("--folds must be at least 2, --repeats at least 1 and --first-repeat at least 0")
    languages = args.languages.split(",")
    current = {language: recipes.recipe(language) for language in languages if language in UMSAB_FOLDERS}
    candidate = None
    if args.candidate is not None:
        per_language = set(args.candidate) <= set(UMSAB_FOLDERS)
        candidate = {language: patched(chosen, args.candidate.get(language, {}) if per_language else args.candidate)
                     for language, chosen in current.items()}
    recipes.require_corpora(parser, args.data, languages, current)
    if candidate:
        recipes.require_corpora(parser, args.data, languages, candidate)
    header = "| language | current macro-F1 | ECE raw → calibrated | everyday % |"
    if candidate:
        header += " candidate macro-F1 | ECE raw → calibrated | everyday % | difference (paired) |"
    fresh = f", shuffles {args.first_repeat} to {args.first_repeat + args.repeats - 1}" if args.first_repeat else ""
    print(f"{args.repeats} x {args.folds}-fold stratified CV over UMSAB train+val{fresh}; mean ± sd over folds\n")
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for language in languages:
        base = cross_validate(args.data, language, current[language], args.folds, args.repeats, args.first_repeat)
        row = f"| {language} | {_cell(summary(base))} |"
        if candidate:
            other = cross_validate(args.data, language, candidate[language], args.folds, args.repeats,
                                   args.first_repeat)
            diffs = [b - a for a, b in zip(base["macro_f1"], other["macro_f1"])]
            se = statistics.stdev(diffs) / len(diffs) ** 0.5
            row += f" {_cell(summary(other))} | {statistics.mean(diffs):+.2f} ± {se:.2f} (se) |"
        print(row, flush=True)


if __name__ == "__main__":
    main()
