"""Score the shipped models: `python -m sentiment.evaluate` (everyday sentences, texts without a letter)
[--data DIR --split test] [--other-corpora DIR]."""

import argparse
from collections import Counter
from pathlib import Path

from . import recipe
from .calibration import expected_calibration_error
from .data import LABELS, read_corpus, read_rows, umsab_folder
from .lexicon import UNACCENTED
from .model import load_models
from .text import normalize

EVERYDAY = Path(__file__).with_name("everyday.tsv")
# A second set, written after the models it first measured, for measuring only (models/README.md).
EVERYDAY_CHECK = Path(__file__).with_name("everyday-check.tsv")
# A third, written after the models it first measured and read once since (models/README.md).
EVERYDAY_THIRD = Path(__file__).with_name("everyday-third.tsv")
# A fourth, Italian, Portuguese, Spanish and German, written before the word lists it judged.
EVERYDAY_FOURTH = Path(__file__).with_name("everyday-fourth.tsv")
# A fifth, written before the plain training sentences (recipe.PLAIN_SENTENCES) it judged.
EVERYDAY_FIFTH = Path(__file__).with_name("everyday-fifth.tsv")
# A sixth, written after the models it first measured, which had learnt the plain training sentences.
EVERYDAY_SIXTH = Path(__file__).with_name("everyday-sixth.tsv")
# A seventh, written before the second 180 plain training sentences of each language, which it judged.
EVERYDAY_SEVENTH = Path(__file__).with_name("everyday-seventh.tsv")
# An eighth, on topics no training sentence was about, written before the third 180, which it judged.
EVERYDAY_EIGHTH = Path(__file__).with_name("everyday-eighth.tsv")
# A ninth, on topics no training sentence was about, written before the last 180, which it judged.
EVERYDAY_NINTH = Path(__file__).with_name("everyday-ninth.tsv")
# A tenth, on topics no training sentence is about, written after the last 180; it judged a fifth 180 (not kept)
# and the review words of English and German.
EVERYDAY_TENTH = Path(__file__).with_name("everyday-tenth.tsv")
# An eleventh, on topics no training sentence or earlier set mentions, written after the review words.
EVERYDAY_ELEVENTH = Path(__file__).with_name("everyday-eleventh.tsv")
# A twelfth, on topics no training sentence or earlier set mentions, written before the eleventh's misses were read.
EVERYDAY_TWELFTH = Path(__file__).with_name("everyday-twelfth.tsv")
# A thirteenth, on topics no training sentence or earlier set mentions, written before the French and Italian review
# words were measured on it.
EVERYDAY_THIRTEENTH = Path(__file__).with_name("everyday-thirteenth.tsv")
# A fourteenth, on topics no training sentence or earlier set mentions, written after French's DEFT 2015 tweets and
# German's SB-10k at 400 a class were adopted, before any later change.
EVERYDAY_FOURTEENTH = Path(__file__).with_name("everyday-fourteenth.tsv")
# A fifteenth, on topics no training sentence or earlier set mentions, written at the start of the next session, before
# any change of its own.
EVERYDAY_FIFTEENTH = Path(__file__).with_name("everyday-fifteenth.tsv")
# A sixteenth, on topics no training sentence or earlier set mentions, written after the negated modals and the
# spellings without accents were adopted, before any later change.
EVERYDAY_SIXTEENTH = Path(__file__).with_name("everyday-sixteenth.tsv")
# A seventeenth, shorter and plainer, written at the start of a later session, before any change of its own.
EVERYDAY_SEVENTEENTH = Path(__file__).with_name("everyday-seventeenth.tsv")
# An eighteenth, short and plain too, written at the start of the session after, before any change of its own.
EVERYDAY_EIGHTEENTH = Path(__file__).with_name("everyday-eighteenth.tsv")
# A nineteenth, written after the Portuguese dictionary forms and the Spanish-Portuguese rule, before any later change.
EVERYDAY_NINETEENTH = Path(__file__).with_name("everyday-nineteenth.tsv")
# A twentieth, written at the start of the session after the French and Portuguese lexicon corrections, before any
# change of its own.
EVERYDAY_TWENTIETH = Path(__file__).with_name("everyday-twentieth.tsv")
# A twenty-first, written at the start of a session, its sentences checked against the training ones and the earlier
# sets' for overlap, before any change of its own.
EVERYDAY_TWENTY_FIRST = Path(__file__).with_name("everyday-twenty-first.tsv")
# A twenty-second, of messages a person types rather than reviews, written and checked for overlap as the twenty-first.
EVERYDAY_TWENTY_SECOND = Path(__file__).with_name("everyday-twenty-second.tsv")
# A twenty-third, of messages too, written after the twenty-second's misses were read and before any change for them.
EVERYDAY_TWENTY_THIRD = Path(__file__).with_name("everyday-twenty-third.tsv")
# The sets written for measuring only, after the first, in the order written: `make evaluate` prints each.
MEASURING_SETS = (("second", EVERYDAY_CHECK), ("third", EVERYDAY_THIRD), ("fourth", EVERYDAY_FOURTH),
                  ("fifth", EVERYDAY_FIFTH), ("sixth", EVERYDAY_SIXTH), ("seventh", EVERYDAY_SEVENTH),
                  ("eighth", EVERYDAY_EIGHTH), ("ninth", EVERYDAY_NINTH), ("tenth", EVERYDAY_TENTH),
                  ("eleventh", EVERYDAY_ELEVENTH), ("twelfth", EVERYDAY_TWELFTH),
                  ("thirteenth", EVERYDAY_THIRTEENTH), ("fourteenth", EVERYDAY_FOURTEENTH),
                  ("fifteenth", EVERYDAY_FIFTEENTH), ("sixteenth", EVERYDAY_SIXTEENTH),
                  ("seventeenth", EVERYDAY_SEVENTEENTH), ("eighteenth", EVERYDAY_EIGHTEENTH),
                  ("nineteenth", EVERYDAY_NINETEENTH), ("twentieth", EVERYDAY_TWENTIETH),
                  ("twenty-first", EVERYDAY_TWENTY_FIRST), ("twenty-second", EVERYDAY_TWENTY_SECOND),
                  ("twenty-third", EVERYDAY_TWENTY_THIRD))
# Every everyday set: the first and those written for measuring only.
EVERYDAY_SETS = (EVERYDAY, *(path for _, path in MEASURING_SETS))
# Negated sentiment words ("not bad", "nicht gut") in the six languages with a word lexicon.
NEGATION = Path(__file__).with_name("negation.tsv")
# A modal before a comparative ("could have been better", "couldn't be better"), and modals before none.
MODAL = Path(__file__).with_name("modal.tsv")
# Advice put with a comparative or superlative ("It's best to book early."), and praise with the same words.
ADVICE = Path(__file__).with_name("advice.tsv")
# Sentiment told by events without a sentiment word ("The train was two hours late."), and neutral events.
IMPLICIT = Path(__file__).with_name("implicit.tsv")
# A second set of the kind, written before the plain training sentences about events (recipe.PLAIN_SENTENCES), which
# it judged unread.
IMPLICIT_SECOND = Path(__file__).with_name("implicit-second.tsv")
# A third, written after those sentences, before any change to them.
IMPLICIT_THIRD = Path(__file__).with_name("implicit-third.tsv")
# Short reviews as people type them under a product ("Does exactly what it says.", "Broke on day two."), written after a
# probe of review idioms found the models weaker on them, before they were measured.
SHORT_REVIEWS = Path(__file__).with_name("short-reviews.tsv")
# A second set of them ("Money well spent.", "Waste of money."), written before the short reviews trained on in a trial,
# which it judged unread.
SHORT_REVIEWS_SECOND = Path(__file__).with_name("short-reviews-second.tsv")
# Questions, exclamations and texts without a final mark ("Do you deliver on Saturdays?", "Never buying from this shop
# again!"): the other sets end almost every sentence with a full stop.
QUESTIONS = Path(__file__).with_name("questions-exclamations.tsv")
# A second set of them, written after the yes-or-no question rule that the first one's misses led to.
QUESTIONS_SECOND = Path(__file__).with_name("questions-exclamations-second.tsv")
# Statements ending in "!" ("Bins are collected on Tuesday this week!"), a third each positive, negative and neutral:
# the everyday sets' 83 such sentences are all positive, and the sets of questions hold 2 neutral ones a language.
EXCLAMATIONS = Path(__file__).with_name("exclamations.tsv")
# Questions alone, a third each complaints put as questions ("Why does the lift break down every single week?"),
# neutral questions and praise: the sets of questions and exclamations hold 3 such complaints a language.
QUESTIONS_THIRD = Path(__file__).with_name("questions-third.tsv")
# A second set of questions alone, written a session later, before the training questions it judged.
QUESTIONS_FOURTH = Path(__file__).with_name("questions-fourth.tsv")
# The sets of one construction or kind, with the title `make evaluate` prints each under.
CASE_SETS = (("Negated sentiment words", NEGATION), ("A modal before a comparative", MODAL),
             ("Advice with a comparative or superlative", ADVICE), ("Sentiment told by events", IMPLICIT),
             ("Sentiment told by events, a second set", IMPLICIT_SECOND),
             ("Sentiment told by events, a third set", IMPLICIT_THIRD), ("Short reviews", SHORT_REVIEWS),
             ("Short reviews, a second set", SHORT_REVIEWS_SECOND),
             ("Questions, exclamations and texts without a final mark", QUESTIONS),
             ("Questions, exclamations and texts without a final mark, a second set", QUESTIONS_SECOND),
             ("Statements ending in an exclamation mark", EXCLAMATIONS),
             ("Questions alone: complaints, neutral questions and praise", QUESTIONS_THIRD),
             ("Questions alone, a second set", QUESTIONS_FOURTH))
# Texts without a letter: a sentiment model answers them whatever language is named.
LETTERLESS = Path(__file__).with_name("letterless.tsv")
# Lines a class of another corpus needs to be scored at all: its lines not trained on are balanced down to the
# smallest class kept, as UMSAB's are.
MIN_CLASS = 50
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


def everyday_set(path=EVERYDAY):
    """Return the (language, label, text) triples of the everyday-sentence set."""
    return read_rows(path, 3)


def unaccented(rows):
    """Return the (language, label, text) `rows` whose text has accents in a language of lexicon.UNACCENTED, typed
    without them as it spells them ("genial", "schoen")."""
    typed = [(code, label, text, text.translate(UNACCENTED[code])) for code, label, text in rows if code in UNACCENTED]
    return [(code, label, plain) for code, label, text, plain in typed if plain != text]


def letterless_set(path=LETTERLESS):
    """Return the (label, text) pairs of the set of texts without a letter."""
    return read_rows(path, 2)


def _answer(model, text, tokens):
    """Return `model`'s label (lower case, as data.LABELS) for raw `text`, normalised as `tokens`."""
    return model.classify(tokens, model.reads_plain(text))[0].lower()


def letterless_accuracy(models, rows):
    """Return {language: accuracy (percentage)} of each of `models` on the letterless `rows`."""
    items = [(label, text, normalize(text)) for label, text in rows]
    return {language: 100.0 * sum(_answer(model, text, tokens) == label for label, text, tokens in items) / len(items)
            for language, model in models.items()}


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
    predicted = [_answer(model, text, normalize(text)) for text in texts]
    return metrics(labels, predicted)


def everyday_accuracy(models, lid, rows):
    """Return {language: (accuracy named, accuracy auto-detected)} (percentages) of `models` on `rows`."""
    results = {}
    for language in models:
        items = [(label, text, normalize(text)) for code, label, text in rows if code == language]
        if not items:
            continue
        named = auto = 0
        for label, text, tokens in items:
            named += _answer(models[language], text, tokens) == label
            # "en": where the service sends texts without letters, under its default LANGUAGES.
            detected = lid.detect(tokens, default="en", served=models) if lid else language
            auto += detected in models and _answer(models[detected], text, tokens) == label
        results[language] = (100.0 * named / len(items), 100.0 * auto / len(items))
    return results


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


def everyday_table(results):
    """Return a Markdown table of everyday-sentence accuracy per language, named and auto-detected."""
    rows = ["| language | everyday, language named | everyday, auto-detected |", "|---|---|---|"]
    rows += [f"| {language} | {named:.1f} | {auto:.1f} |" for language, (named, auto) in results.items()]
    named = sum(n for n, _ in results.values()) / len(results)
    auto = sum(a for _, a in results.values()) / len(results)
    return "\n".join([*rows, f"| all | {named:.1f} | {auto:.1f} |"])


def other_corpora(data_dir, language):
    """Return {corpus folder name: (texts, labels)} of the lines of `language`'s extra corpora (`extra/<language>/*`)
    that its recipe does not train on: as many of each class as the smallest class of MIN_CLASS lines or more, drawn
    as recipe.sample draws the extra corpora."""
    trained = set(recipe.extra_pairs(data_dir, recipe.recipe(language)["extra"]))
    corpora = {}
    for folder in sorted(path for path in (Path(data_dir) / "extra" / language).glob("*") if path.is_dir()):
        pairs = [pair for pair in zip(*read_corpus(folder, "train")) if pair not in trained]
        counts = Counter(label for _, label in pairs)
        kept = [pair for pair in pairs if counts[pair[1]] >= MIN_CLASS]
        classes = {label for _, label in kept}
        if len(classes) < 2:
            continue
        sample = recipe.sample(*zip(*kept), min(counts[label] for label in classes))
        corpora[folder.name] = ([text for text, _ in sample], [label for _, label in sample])
    return corpora


def corpus_calibration(model, texts, labels):
    """Return the accuracy, the mean top score and the ECE (percentages) of `model` on `texts`, scored as served."""
    rows, right = [], 0
    for text, label in zip(texts, labels):
        top, scores = model.classify(normalize(text), model.reads_plain(text))
        rows.append([scores[name.capitalize()] for name in LABELS])
        right += top.lower() == label
    truth = [LABELS.index(label) for label in labels]
    return 100.0 * right / len(rows), 100.0 * sum(map(max, rows)) / len(rows), expected_calibration_error(rows, truth)


def main(argv=None):
    """Print the everyday-sentence tables of the models in --models (the twenty-three sets, the sets of one
    construction or kind, the sets typed without accents), their accuracy on texts without a letter, their table on
    --data's --split, and their accuracy and calibration on --other-corpora."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="models", help="folder holding manifest.json and the models")
    parser.add_argument("--data", help="folder holding umsab/<language>/<split>_*.txt (held-out data)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--other-corpora", metavar="DIR",
                        help="data folder whose extra corpora's lines not trained on are scored (accuracy, calibration)")
    args = parser.parse_args(argv)
    models, lid = load_models(args.models)
    print(everyday_table(everyday_accuracy(models, lid, everyday_set())))
    for ordinal, path in MEASURING_SETS:
        results = everyday_accuracy(models, lid, everyday_set(path))
        if results:  # a set without a served language prints nothing (the fourth lacks English and French)
            print(f"\nThe {ordinal} set ({path.name}), for measuring only:\n")
            print(everyday_table(results))
    for title, path in CASE_SETS:
        print(f"\n{title} ({path.name}):\n")
        print(everyday_table(everyday_accuracy(models, lid, everyday_set(path))))
    print("\nThe twenty-three sets' sentences with accents, typed without them (French, German and Spanish):\n")
    every = [row for path in EVERYDAY_SETS for row in everyday_set(path)]
    print(everyday_table(everyday_accuracy(models, lid, unaccented(every))))
    print(f"\nTexts without a letter ({LETTERLESS.name}), each language's model:\n")
    accuracy = letterless_accuracy(models, letterless_set())
    print("\n".join(["| language | accuracy |", "|---|---|", *(f"| {k} | {v:.1f} |" for k, v in accuracy.items())]))
    if args.data:
        results = {}
        for language, model in models.items():
            folder = umsab_folder(args.data, language)
            if not (folder / f"{args.split}_text.txt").exists():
                parser.error(f"no {args.split} split for {language} in {folder}")
            results[language] = score(model, *read_corpus(folder, args.split))
        print()
        print(table(results))
    if args.other_corpora:
        rows = ["| corpus, lines not trained on | texts | right | mean top score | ECE |", "|---|---|---|---|---|"]
        for language, model in models.items():
            for name, (texts, labels) in other_corpora(args.other_corpora, language).items():
                right, top, ece = corpus_calibration(model, texts, labels)
                rows.append(f"| {language} {name} | {len(texts):,} | {right:.1f} | {top:.1f} | {ece:.1f} |")
        print("\nOther corpora, the lines of each that its language's recipe does not train on, balanced:\n")
        print("\n".join(rows))


if __name__ == "__main__":
    main()
