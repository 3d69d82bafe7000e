"""fastText sentiment and language-identification models, answering in the Amazon Comprehend shape."""

import json
import math
import re
from pathlib import Path

import fasttext

from .data import LABELS
from .languages import OWN_WORDS, UMSAB_FOLDERS
from .lexicon import Lexicon
from .text import looks_plain

LABEL_PREFIX = "__label__"
LID = "lid"  # the manifest's name for the language identifier
MAX_LEXICON_WEIGHT = 10  # a manifest's lexicon weight above it is refused: each copy lengthens every line
MAX_BIAS = 5.0  # a manifest's class bias beyond ±5 (a factor of 150) is refused: no fitted one comes near
MAX_SMOOTHING = 0.5  # a manifest's smoothing at or above it is refused: the fit searches up to 0.2
_LETTER = re.compile(r"[^\W\d_]")
# When the most likely language is not served, the most likely served one among the next few answers if the
# identifier gives it at least this probability: short Spanish reads as Esperanto or Romanian, German as Dutch or
# Swedish, Egyptian Arabic as its own code ("arz"). A text in another language altogether stays unsupported.
MIN_SERVED_PROBABILITY = 0.1
RANKED_LANGUAGES = 5
# Spanish and Portuguese, which the identifier confuses on short texts ("Quebrou no segundo dia." reads as Spanish):
# when it answers one and ranks the other at MIN_SERVED_PROBABILITY or more, the other wins if the text holds more of
# the other's own frequent words (languages.OWN_WORDS).
NEIGHBOURS = {"es": "pt", "pt": "es"}


def _load(path):
    """Return the predict function of the fastText model at `path`: [(probability, label), ...] of one line
    (`k` labels at most, -1: all), most likely first."""
    # The binding under fastText's Python wrapper, whose per-call checks and zips add 15% to a prediction;
    # requirements.txt pins the package, and the tests predict through it.
    predict = fasttext.load_model(str(path)).f.predict
    return lambda line, k: predict(line + "\n", k, 0.0, "replace")


def model_input(tokens, lexicon):
    """Return the line a sentiment model reads for normalised `tokens`: them and their lexicon features."""
    return lexicon.line(tokens) if lexicon else tokens


class SentimentModel:
    """One language's sentiment model: fastText, its lexicon (or None) and its calibration: a temperature, a
    bias per class (label -> log-weight added after the temperature; none: 0), the share of the scores spread evenly
    over the classes (`smoothing`), and the temperature and bias of texts that read as plain sentences
    (text.looks_plain, in lower case too with `plain_lower_case`; none: the same), which are not smoothed."""

    def __init__(self, path, lexicon=None, temperature=1.0, bias=None, plain_temperature=None, plain_lower_case=False,
                 smoothing=0.0, plain_bias=None):
        self._predict = _load(path)
        # The predict-only package has no label list; every label gets a probability for any word.
        self.labels = sorted(label[len(LABEL_PREFIX) :] for _, label in self._predict("a", -1))
        self.lexicon = lexicon
        self.temperature = temperature
        self._power = 1.0 / temperature
        self.plain_temperature = plain_temperature or temperature
        self._plain_power = 1.0 / self.plain_temperature
        self.plain_lower_case = plain_lower_case
        self.smoothing = smoothing
        # What classify multiplies each class's score by (before dividing by their total) and then adds to it.
        self._spread = (1.0 - smoothing, smoothing / len(self.labels))
        bias = bias or {}
        plain_bias = bias if plain_bias is None else plain_bias
        unknown = (set(bias) | set(plain_bias)) - set(self.labels)
        if unknown:
            raise ValueError(f"bias names labels the model lacks: {sorted(unknown)}")
        self.bias = {label: bias.get(label, 0.0) for label in self.labels}
        self.plain_bias = {label: plain_bias.get(label, 0.0) for label in self.labels}
        # fastText's label -> Comprehend's score key, the bias's factor and the Sentiment, so that the hot path only
        # looks them up; plain texts' with their own bias.
        def keys(biases):
            return {LABEL_PREFIX + label: (label.capitalize(), math.exp(biases[label]), label.upper())
                    for label in self.labels}

        self._keys, self._plain_keys = keys(self.bias), keys(self.plain_bias)
        self._index = {LABEL_PREFIX + label: LABELS.index(label) for label in self.labels}
        self._score_keys = [label.capitalize() for label in self.labels]

    def _predict_all(self, tokens):
        return self._predict(model_input(tokens, self.lexicon), -1)

    def probabilities(self, tokens):
        """Return the uncalibrated probabilities of normalised `tokens`, one per class of data.LABELS."""
        row = [0.0] * len(LABELS)
        for p, label in self._predict_all(tokens):
            row[self._index[label]] = p
        total = sum(row)
        return [p / total for p in row]

    def classify(self, tokens, plain=False):
        """Return the Comprehend Sentiment ("POSITIVE", ...) of normalised `tokens` and their calibrated
        SentimentScore: four floats summing to 1, of which the Sentiment's is the highest (on a tie, the first in
        fastText's ranking). `plain`: the text reads as a plain sentence, and takes the plain temperature and bias,
        unsmoothed."""
        power, keys = (self._plain_power, self._plain_keys) if plain else (self._power, self._keys)
        scores = {"Positive": 0.0, "Negative": 0.0, "Neutral": 0.0, "Mixed": 0.0}
        total = best = 0.0
        # One loop, not comprehensions and max(): this is the hot path.
        for p, label in self._predict_all(tokens):
            key, factor, name = keys[label]
            q = p**power * factor
            scores[key] = q
            total += q
            if q > best:
                best, top = q, name
        # fastText adds 1e-5 to every probability; the rescaling makes the scores sum to 1.
        keep, floor = (1.0, 0.0) if plain else self._spread
        keep /= total
        for key in self._score_keys:
            scores[key] = scores[key] * keep + floor
        return top, scores

    def reads_plain(self, text):
        """Return whether raw `text` reads as a plain sentence to this model: `classify`'s `plain`."""
        return looks_plain(text, self.plain_lower_case)

    def scores(self, tokens, plain=False):
        """Return the calibrated Comprehend SentimentScore of normalised `tokens`: four floats summing to 1."""
        return self.classify(tokens, plain)[1]


def from_manifest(folder, language, entry):
    """Return the SentimentModel of `language`'s manifest `entry`, its files (and lexicon) in `folder`."""
    temperature = entry.get("temperature", 1.0)
    plain_temperature = entry.get("plain_temperature", temperature)
    for value in (temperature, plain_temperature):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
            raise ValueError(f"temperature {value!r} is not a positive number")
    plain_lower_case = entry.get("plain_lower_case", False)
    if not isinstance(plain_lower_case, bool):
        raise ValueError(f"plain_lower_case {plain_lower_case!r} is not true or false")
    smoothing = entry.get("smoothing", 0.0)
    if isinstance(smoothing, bool) or not isinstance(smoothing, (int, float)) or not 0 <= smoothing < MAX_SMOOTHING:
        raise ValueError(f"smoothing {smoothing!r} is not a number from 0 to below {MAX_SMOOTHING}")
    lexicon = entry.get("lexicon")
    if lexicon:
        weight = lexicon.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_LEXICON_WEIGHT:
            raise ValueError(f"lexicon weight {weight!r} is not a whole number from 1 to {MAX_LEXICON_WEIGHT}")
        drop_negated = lexicon.get("drop_negated", False)
        if not isinstance(drop_negated, bool):
            raise ValueError(f"lexicon drop_negated {drop_negated!r} is not true or false")
        stop_words = lexicon.get("stop_words", [])
        if not isinstance(stop_words, list) or not all(
                isinstance(word, str) and word and not any(c.isspace() for c in word) for word in stop_words):
            raise ValueError("lexicon stop_words is not a list of words")  # the value may be long: not repeated
        lexicon = Lexicon.load(Path(folder) / Path(lexicon["file"]).name, language, weight, drop_negated, stop_words)
    bias = entry.get("bias", {})
    plain_bias = entry.get("plain_bias", bias)
    for name, value in (("bias", bias), ("plain_bias", plain_bias)):
        if not isinstance(value, dict) or not all(
                not isinstance(b, bool) and isinstance(b, (int, float)) and abs(b) <= MAX_BIAS for b in value.values()):
            raise ValueError(f"{name} {value!r} is not a label -> number from -{MAX_BIAS} to {MAX_BIAS} map")
    return SentimentModel(Path(folder) / Path(entry["file"]).name, lexicon, temperature, bias, plain_temperature,
                          plain_lower_case, smoothing, plain_bias)


class LanguageIdentifier:
    """fastText's lid.176 language-identification model."""

    def __init__(self, path):
        self._predict = _load(path)

    def languages(self, tokens, k=1):
        """Return the `k` most likely (ISO 639 code, probability) of normalised `tokens`, most likely first."""
        return self._ranked(_unmasked(tokens), k)

    def detect(self, tokens, default, served=()):
        """Return the ISO 639 code of the most likely language of normalised `tokens` (or of the most likely of
        `served`, see MIN_SERVED_PROBABILITY; Spanish or Portuguese, see NEIGHBOURS), or `default` when they have no
        letter to tell it by."""
        # lid.176 guesses a language for "❤️" or ":)" (Cebuano, Spanish); such texts go where the caller says.
        tokens = _unmasked(tokens)
        if not _LETTER.search(tokens):
            return default
        language = self._ranked(tokens, 1)[0][0]
        if language in served:
            return self._neighbour(tokens, language, served)
        ranked = self._ranked(tokens, RANKED_LANGUAGES)
        for code, probability in ranked[1:]:
            if code in served and probability >= MIN_SERVED_PROBABILITY:
                return self._neighbour(tokens, code, served, ranked)
        return language

    def _neighbour(self, tokens, language, served, ranked=None):
        """Return `language`, or its NEIGHBOURS language if served, `ranked` (RANKED_LANGUAGES of `_ranked`, asked
        for only if needed and not given) and holding more of its own words."""
        other = NEIGHBOURS.get(language)
        if other not in served:
            return language
        words = tokens.split(" ")
        if len(OWN_WORDS[other].intersection(words)) <= len(OWN_WORDS[language].intersection(words)):
            return language
        probability = dict(ranked or self._ranked(tokens, RANKED_LANGUAGES)).get(other, 0.0)
        return other if probability >= MIN_SERVED_PROBABILITY else language

    def _ranked(self, unmasked, k):
        return [(label[len(LABEL_PREFIX) :], min(p, 1.0)) for p, label in self._predict(unmasked, k)]


def _unmasked(tokens):
    """`tokens` without the masked mentions and links: lid.176 reads them as English words, and they say
    nothing of the language."""
    if "@user" in tokens or "http" in tokens:
        return tokens.replace("@user", "").replace("http", "")
    return tokens


def load(folder, name, entry):
    """Return the model `name` of the manifest `entry`, its files in `folder`: the LanguageIdentifier for LID,
    else a SentimentModel."""
    if name == LID:
        return LanguageIdentifier(Path(folder) / entry["file"])
    return from_manifest(folder, name, entry)


def load_models(folder):
    """Return the sentiment models of the manifest in `folder` and its language identifier (or None), their files
    unverified: for evaluation and the benchmark, on files at hand (the service loads through store.Store)."""
    manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))["models"]
    models = {language: load(folder, language, entry) for language, entry in manifest.items()
              if language in UMSAB_FOLDERS}
    return models, (load(folder, LID, manifest[LID]) if LID in manifest else None)
