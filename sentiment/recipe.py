"""The training recipe of each language's model, and training itself: data, lexicon, fastText settings."""

import ctypes
import functools
import hashlib
import os
import random
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import fasttext
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

from .data import LABELS, read_corpus, read_rows, umsab_folder
from .languages import UMSAB_FOLDERS
from .lexicon import Lexicon, fold, merge, read_entries
from .model import model_input
from .text import normalize

# The distribution (requirements-dev.txt) whose `fasttext` module trains; serving needs only prediction.
TRAINER = "fasttext-numpy2"
# Shared by every language; thread=1 with a fixed seed makes a rerun reproduce the same model.
TRAIN = {"epoch": 20, "lr": 0.5, "wordNgrams": 2, "dim": 10, "minn": 4, "maxn": 4, "bucket": 200_000,
         "loss": "softmax", "thread": 1, "seed": 0, "verbose": 0}
QUANTIZE = {"qnorm": True, "cutoff": 50_000, "retrain": False, "dsub": 2, "thread": 1, "verbose": 0}
# Per language: fastText settings that differ from TRAIN. Each character n-gram length costs prediction time.
TUNED = {
    # English: word n-grams up to 3, and five times the hash buckets for them: it trains on the most lines.
    "en": {"epoch": 10, "lr": 0.25, "wordNgrams": 3, "minn": 0, "maxn": 0, "bucket": 1_000_000},
    # French: the same word n-grams (+0.38 over 70 paired folds; 10 folds alone had read as noise), with the shared
    # buckets: it keeps all of them (QUANTIZE_TUNED).
    "fr": {"wordNgrams": 3},
    "de": {"minn": 0, "maxn": 0},
    # Italian: one-vs-all loss, a score per class on its own: calibrated, its tweets' ECE fell in each of 6 repeats
    # of 5 folds (2.24 -> 1.23 and 2.71 -> 0.93 on two sets), its macro-F1 unchanged (+0.05 over 30 folds).
    "it": {"epoch": 10, "lr": 0.25, "wordNgrams": 1, "minn": 3, "maxn": 5, "loss": "ova"},
    "es": {"epoch": 10, "lr": 0.25, "wordNgrams": 1},
    "pt": {"lr": 0.25, "wordNgrams": 1, "minn": 3, "maxn": 5},
    "hi": {"minn": 2, "maxn": 5},
}
# Per language: quantization settings that differ from QUANTIZE. French keeps every row (no cutoff), in sub-vectors of
# five dimensions: its word trigrams had made it the slowest language, and fastText predicts a fifth faster from a
# table it indexes directly than from the rows a cutoff keeps, which it finds through a hash map (same macro-F1).
QUANTIZE_TUNED = {"fr": {"cutoff": 0, "dsub": 5}}
# Per language: corpora (folders under the data folder) that join its UMSAB train and val splits, each with
# the number of lines per class to sample (None: all of it).
EXTRA = {
    "en": {"extra/en/semeval2013-2017": 10_000},
    "fr": {"extra/fr/deft2015-task2.2-polarity": None},
    "de": {"extra/de/sb10k": 400},
    "it": {"extra/it/sentipolc2016": None},
    "es": {"extra/es/intertass2020-es-cr-mx-pe-uy": 1000, "extra/es/intertass2017": 1000,
           "extra/es/tass2012-general-train": 1000},
    "hi": {"umsab/english": None},
}
# Per language: polarity lexicons (files under the data folder) merged into the lexicon the model ships with,
# then this project's own lists (OWN_LEXICONS), which win over the sources: common emoji and emoticons that the
# Emoji Sentiment Ranking misses or mistakes (🙂, 😡, ":(", "❌" ...), and per language the common verbs and
# words the sources lack ("déteste", "adoro"; for German, the sentiment words among its 1,200 most frequent
# words, "beste", "scheiße"; for Italian, whose source lists adjectives alone, the translations of the 260
# positive and 260 negative VADER words most frequent in the English unlabelled sentences, "piacciono",
# "truffa"; for English and German, the words of reviews and complaints that their sources lack, "flimsy",
# "overbooked", "wackelig") or mistake (0: French VADER's "part" and "ouvert" are not sentiment
# words, nor "cultiver" and Spanish "cultivar", to grow, positive in every form in both sources, nor the common words
# that inflection makes of source words: "plus" of "plu", "france" of "franc", "dois" of "doi"); and a
# `<language>-neutral.tsv` list (all 0): the function words, numbers and news nouns among the sources' words frequent
# in the unlabelled sentences ("fine", "tipo", "nuovo"; German "kaufen", "richtig"), by hand. Italian keeps it for its
# cross-validated gain; German because its tweets do not mind and its plain sentences gain.
LEXICONS = {
    "en": ["lexicons/en/vader.tsv", "lexicons/emoji.tsv"],
    "fr": ["lexicons/fr/vader-fr.tsv", "lexicons/fr/pattern.tsv", "lexicons/emoji.tsv"],
    "de": ["lexicons/de/pattern.tsv", "lexicons/emoji.tsv"],
    "it": ["lexicons/it/pattern.tsv", "lexicons/emoji.tsv"],
    "es": ["lexicons/es/udelar.tsv", "lexicons/emoji.tsv"],
    "pt": ["lexicons/pt/leia.tsv", "lexicons/emoji.tsv"],
    "ar": ["lexicons/emoji.tsv"],
    "hi": ["lexicons/emoji.tsv"],
}
OWN_LEXICONS = Path(__file__).with_name("lexicons")
# Languages whose lexicon also lists, for each of its words, the other forms that simplemma's dictionary of the language
# gives that word as lemma (`lemma_forms`: "adorar" -> "adoraram", "adorei"), besides its rules' (lexicon.INFLECTIONS,
# which have no verb forms). Portuguese: its tweets gained on the built folds and on fresh ones, and its everyday
# sentences with them; French lost.
LEMMA_FORMS = {"pt"}
# Per language: folders of unlabelled sentences (one a line, in *.txt) labelled by the lexicon ("silver"):
# no lexicon word is neutral, only positive or only negative ones that polarity; up to a number per class.
SILVER = {"en": {"unlabelled/en": 100}, "fr": {"unlabelled/fr": 100}, "de": {"unlabelled/de": 50},
          "it": {"unlabelled/it": 100}, "es": {"unlabelled/es": 100}, "pt": {"unlabelled/pt": 100}}
# Per language: how many times the lexicon's feature tokens are written (1 if not listed). Spanish tweets
# taught its model to trust its noisy lexicon little, and plain sentences then follow their tweet-words.
# Portuguese's everyday sentences went against their lexicon hits as often (complaints with a negative word
# answered POSITIVE): written twice, its unread everyday sets gained 1.1 and 1.6 points (built and fresh folds) and
# its tweets +0.08 over 30 folds; three times, against twice, 0.9 and 1.5 more, and its tweets +0.41.
LEXICON_WEIGHT = {"es": 3, "pt": 3}
# Languages whose model reads a negated lexicon word ("not bad", "pas mal") as its flipped count alone: the
# negator and the word leave the line, so that the tweets' weights for "not" and "bad" no longer outvote the
# count. Those with a word lexicon (Arabic and Hindi have emoji only).
NEGATED_DROPPED = {"en", "fr", "de", "it", "es", "pt"}
# Per language: how many of the words most frequent in its unlabelled sentences (SILVER's folders) leave the
# model's line, lexicon words and negators excepted. Function words ("the", "das", "que") lean one way in tweets
# and carried neutral plain sentences with them ("Das ist großartig!" was nearly NEGATIVE). Not Italian (its tweets
# lose by it), French (flat) or Portuguese (its plain sentences lose).
STOP_WORDS = {"en": 50, "de": 50, "es": 50}
# Languages whose training lines include each entry of this project's emoji list (emoji.tsv: emoji and
# emoticons) alone, labelled with its polarity: their tweets left "👍" or "🙂" alone NEUTRAL.
EMOJI_LINES = {"en", "es"}
# Plain sentences written for training (not tweets), 900 a language: reviews, weather, travel, timetables, and (the
# last 180) complaints and praise told by what happened rather than by a sentiment word ("The sofa we ordered in March
# still hasn't been delivered.") with neutral sentences about the same events; a third each positive, negative and
# neutral. None is in an everyday set (tests/test_train.py checks).
PLAIN_SENTENCES = Path(__file__).with_name("plain-sentences.tsv")
# Per language: how many times its plain sentences are written into the training lines (0 if not listed). Tweets
# alone taught the models that a plain statement leans one way and that a sentiment word they never saw is neutral.
# Spanish three times: its noisy lexicon, written three times too, pulls plain statements off neutral; its tweets,
# 5 points over their target, did not move beyond the noise over 30 folds.
PLAIN = {"en": 2, "fr": 2, "de": 2, "it": 2, "es": 3, "pt": 2}
# Questions written for training, 120 a language: 60 complaints put as questions, most without a sentiment word ("Why
# does the shower run cold after two minutes?"), 30 neutral questions and 30 praise put as questions. The plain
# sentences hold no question, and complaints put as questions were read as neutral.
PLAIN_QUESTIONS_FILE = Path(__file__).with_name("plain-questions.tsv")
# Languages whose plain sentences include those questions (written as many times as the plain sentences): an unread
# set of questions alone gained 7-26 points in English and German (fold models), French's first set 8, their tweets
# within about two standard errors over 30 folds. Italian's tweets lost 0.5; Spanish's and Portuguese's everyday
# sentences lost.
PLAIN_QUESTIONS = {"en", "fr", "de"}
# Languages whose every second copy of the plain sentences ends in "!" rather than ".": no written neutral sentence
# ended in "!", and in tweets "!" leans positive, so a statement typed with "!" ("The meeting has moved to Thursday!")
# was read as a side. The unread sets' neutral sentences typed so gained 14-25 points in English and German and 6 in
# French (fold models), their tweets within the noise; Italian, Spanish and Portuguese gained 0.4-1.7 and not taken.
PLAIN_EXCLAIMED = {"en", "fr", "de"}
# What opens an exclamation in a language that marks its start too.
EXCLAMATION_OPENERS = {"es": "¡"}
# Languages calibrated with a bias per class besides the temperature, both fitted on out-of-fold predictions:
# their extra corpus is unbalanced, and their model would answer its majority classes more often than their
# balanced UMSAB tweets are. Italian's SENTIPOLC 2016 is 46% neutral and 15% positive; French's DEFT 2015 (the
# climate tweets UMSAB's French ones come from) has no neutral class, and helps only with its bias corrected;
# German's SB-10k holds 72 negative tweets, so 400 a class is 72 / 400 / 400.
CLASS_BIAS = {"it", "fr", "de"}
# Languages whose texts that read as plain sentences take no class bias: the biases correct the tweets' classes, and
# Italian's (neutral down, positive up) had turned its plain sentences positive. Without them its unread everyday
# sets gained 1.8 points on the fold models, its tweets the same; French's and German's plain sentences need theirs.
PLAIN_UNBIASED = {"it"}
# Languages whose calibration is sharpened and smoothed besides (calibration.fit_smoothing), keeping its answers:
# Italian's tweets scored 0.55 where 61% were right and 0.95 where 87% were, which no temperature mends. Its calibrated
# ECE fell from 4.07 to 3.26 (paired bootstrap 5-95%: -1.46 to -0.32); Spanish's rose by 0.14 and French's moved by
# 0.04, and English's and German's fits chose none.
SMOOTHED = {"it"}
# Languages whose model reads a short text in lower case ("das ist gut") as a plain sentence too, with the plain
# temperature (text.looks_plain): typed so, everyday sentences scored 0.76 where 91% were right. Not Italian: its
# plain temperature sharpens, and its tweets in lower case that look plain would raise its tweets' calibration error,
# the nearest to the limit of 5, from 4.07 to 4.31.
PLAIN_LOWER_CASE = {"en", "fr", "de", "es", "pt"}


def recipe(language):
    """Return the recipe of `language`: fastText settings, extra corpora, lexicon sources, weight, whether
    negated words are dropped and how many stop words, silver folders, whether it learns the emoji list as lines
    of their own, how many times its plain sentences, whether every second time ends in "!" and whether they include
    the training questions, whether its calibration has class biases (for plain sentences too) and smoothing and whether
    it reads lower-case texts as plain, and whether its lexicon lists its words' forms from a dictionary."""
    return {"train": {**TRAIN, **TUNED.get(language, {})}, "quantize": {**QUANTIZE, **QUANTIZE_TUNED.get(language, {})},
            "extra": EXTRA.get(language, {}), "lexicons": LEXICONS.get(language, []),
            "silver": SILVER.get(language, {}), "emoji_lines": language in EMOJI_LINES,
            "lexicon_weight": LEXICON_WEIGHT.get(language, 1), "drop_negated": language in NEGATED_DROPPED,
            "stop_words": STOP_WORDS.get(language, 0), "plain": PLAIN.get(language, 0),
            "class_bias": language in CLASS_BIAS, "plain_bias": language not in PLAIN_UNBIASED,
            "smoothing": language in SMOOTHED,
            "plain_lower_case": language in PLAIN_LOWER_CASE, "lemma_forms": language in LEMMA_FORMS,
            "plain_exclaimed": language in PLAIN_EXCLAIMED, "plain_questions": language in PLAIN_QUESTIONS}


def plain_bias(chosen):
    """Return the class biases that recipe `chosen`'s plain sentences take (calibration.fit_all): None, the tweets'
    own, or none at all (PLAIN_UNBIASED)."""
    return None if chosen["plain_bias"] else [0.0] * len(LABELS)


def missing_corpora(data_dir, languages, recipes=None):
    """Return the unknown codes among `languages` and the files their recipes need that `data_dir` lacks."""
    missing = []
    for language in languages:
        if language not in UMSAB_FOLDERS:
            missing.append(language)
            continue
        chosen = (recipes or {}).get(language) or recipe(language)
        needed = [umsab_folder(data_dir, language) / f"{split}_text.txt" for split in ("train", "val")]
        needed += [Path(data_dir) / folder / "train_text.txt" for folder in chosen["extra"]]
        needed += [Path(data_dir) / source for source in [*chosen["lexicons"], *chosen["silver"]]]
        missing += [str(path) for path in needed if not path.exists()]
    return missing


def require_corpora(parser, data_dir, languages, recipes=None):
    """Stop with `parser`'s usage error (exit 2) if `missing_corpora` finds anything."""
    missing = missing_corpora(data_dir, languages, recipes)
    if missing:
        parser.error(f"no training data for: {', '.join(missing)} (known languages: {', '.join(UMSAB_FOLDERS)})")


def umsab_pairs(data_dir, language):
    """Return the (text, label) pairs of `language`'s UMSAB train and val splits: what cross-validation splits."""
    folder = umsab_folder(data_dir, language)
    return [pair for split in ("train", "val") for pair in zip(*read_corpus(folder, split))]


def sample(texts, labels, per_class, by_hash=False):
    """Return up to `per_class` (text, label) pairs of each label, drawn reproducibly: shuffled, or the texts
    lowest in SHA-1 order."""
    by_label = {}
    for text, label in zip(texts, labels):
        by_label.setdefault(label, []).append((text, label))
    pairs = []
    for label in sorted(by_label):
        items = by_label[label]
        if by_hash:
            items.sort(key=lambda pair: hashlib.sha1(pair[0].encode("utf-8"), usedforsecurity=False).digest())
        else:
            random.Random(0).shuffle(items)
        pairs += items[:per_class]
    return pairs


def extra_pairs(data_dir, extra):
    """Return the (text, label) pairs that the `extra` corpora of a recipe add."""
    pairs = []
    for folder, per_class in extra.items():
        pairs += sample(*read_corpus(Path(data_dir) / folder, "train"), per_class)
    return pairs


SILVER_LABELS = {(True, False): "positive", (False, True): "negative", (False, False): "neutral"}


def silver_pairs(data_dir, silver, lexicon):
    """Return the (text, label) pairs of the `silver` folders of a recipe, labelled by `lexicon`."""
    if silver and lexicon is None:
        raise ValueError("a recipe with silver data needs lexicons to label it")
    pairs = []
    for folder, per_class in silver.items():
        texts = [line for path in sorted((Path(data_dir) / folder).glob("*.txt"))
                 for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        labelled = []
        for text in texts:
            positive, negative = lexicon.counts(normalize(text))
            label = SILVER_LABELS.get((positive > 0, negative > 0))
            if label:
                labelled.append((text, label))
        # By hash, not shuffled: a lexicon change then swaps only the sentences whose label it changes, where a
        # shuffle would draw a new sample whose noise is as large as most changes measured.
        pairs += sample([t for t, _ in labelled], [label for _, label in labelled], per_class, by_hash=True)
    return pairs


def emoji_pairs():
    """Return each entry of this project's emoji list as a (text, label) pair: the emoji alone, its polarity."""
    labels = {"1": "positive", "-1": "negative"}
    return [(emoji, labels[polarity]) for emoji, polarity in read_entries(OWN_LEXICONS / "emoji.tsv", None)
            if polarity in labels]


def plain_files(questions=False):
    """Return the files of plain training sentences: PLAIN_SENTENCES, then, with `questions`, PLAIN_QUESTIONS_FILE."""
    return (PLAIN_SENTENCES, PLAIN_QUESTIONS_FILE) if questions else (PLAIN_SENTENCES,)


def plain_pairs(language, questions=False):
    """Return the (text, label) pairs of `language`'s plain sentences, in the files of plain_files(`questions`)."""
    return [(text, label) for path in plain_files(questions) for code, label, text in read_rows(path, 3)
            if code == language]


def plain_copies(language, pairs, times, exclaimed=False):
    """Return `times` copies of `language`'s plain (text, label) `pairs`; with `exclaimed`, each second copy's
    sentences that end in "." end in "!" instead (PLAIN_EXCLAIMED)."""
    if not exclaimed:
        return pairs * times
    opener = EXCLAMATION_OPENERS.get(language, "")
    exclamations = [(f"{opener}{text[:-1]}!" if text.endswith(".") else text, label) for text, label in pairs]
    return [pair for copy in range(times) for pair in (exclamations if copy % 2 else pairs)]


def own_lexicons(language):
    """Return this project's lexicon files for `language`: the emoji list, the language's own list and its
    list of the source words that carry no sentiment."""
    paths = (OWN_LEXICONS / "emoji.tsv", OWN_LEXICONS / f"{language}.tsv", OWN_LEXICONS / f"{language}-neutral.tsv")
    return [path for path in paths if path.exists()]


# Cached: `make models` builds a language's lexicon twice (for the calibration folds, then for the model), and the
# inversion takes seconds.
@functools.cache
def lemma_forms(language):
    """Return simplemma's dictionary of `language` inverted: each lemma, as the lexicon spells it, to its other forms
    (letters only); read-only, shared between callers."""
    forms = {}
    for form, lemma in DefaultDictionaryFactory().get_dictionary(language).items():
        form, lemma = fold(form.lower(), language), fold(lemma.lower(), language)
        if form != lemma and form.isalpha():
            forms.setdefault(lemma, set()).add(form)
    return forms


def build_lexicon(data_dir, language, sources, path, weight=1, drop_negated=False, stop_words=(), words=frozenset(),
                  forms=None):
    """Merge the lexicon `sources` of a recipe, then `own_lexicons`, with `language`'s inflected forms (and those
    that `forms` maps a word to) and their spellings without accents (less any of `words`), into `path`; return the
    Lexicon (its features `weight` times), or None when the recipe names no sources."""
    if not sources:
        return None
    merge([Path(data_dir) / source for source in sources], path, language, own_lexicons(language), words, forms)
    return Lexicon.load(path, language, weight, drop_negated, stop_words)


def _word_counts(data_dir, folders):
    """Yield the counts of the words (letters only) of each file of sentences in `folders`."""
    for folder in folders:
        for path in sorted((Path(data_dir) / folder).glob("*.txt")):
            yield Counter(word for line in path.read_text(encoding="utf-8").splitlines()
                          for word in normalize(line).split(" ") if word.isalpha())


def words_of(data_dir, folders):
    """Return every word (letters only) of the sentences in `folders`."""
    return frozenset().union(*_word_counts(data_dir, folders))


def frequent_words(data_dir, folders, count):
    """Return the `count` words (letters only) most frequent in the sentences of every file of `folders`, by their
    smallest share of a file's words: a word frequent in one source alone is its topic ("governo"), not a
    function word."""
    shares = []
    for counts in _word_counts(data_dir, folders):
        total = sum(counts.values())
        shares.append({word: n / total for word, n in counts.items()})
    common = set.intersection(*map(set, shares)) if shares else set()
    return sorted(common, key=lambda word: (-min(share[word] for share in shares), word))[:count]


def lexicon_and_extras(data_dir, language, chosen, path):
    """Build recipe `chosen`'s lexicon into `path`; return it (or None) and the (text, label) pairs its extra
    corpora, silver folders and emoji lines add to the UMSAB lines (the plain sentences are added apart: cv folds
    them)."""
    stop_words = frequent_words(data_dir, chosen["silver"], chosen["stop_words"]) if chosen["stop_words"] else ()
    lexicon = build_lexicon(data_dir, language, chosen["lexicons"], path, chosen["lexicon_weight"],
                            chosen["drop_negated"], stop_words, words_of(data_dir, chosen["silver"]),
                            lemma_forms(language) if chosen["lemma_forms"] else None)
    pairs = extra_pairs(data_dir, chosen["extra"]) + silver_pairs(data_dir, chosen["silver"], lexicon)
    return lexicon, pairs + (emoji_pairs() if chosen["emoji_lines"] else [])


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


def training_lines(pairs, lexicon, seed=0):
    """Return the fastText lines of (text, label) `pairs`, shuffled by `seed`."""
    pairs = list(pairs)
    random.Random(seed).shuffle(pairs)
    return [f"__label__{label} {model_input(normalize(text), lexicon)}" for text, label in pairs]


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
