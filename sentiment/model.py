"""fastText sentiment and language-identification models, answering in the Amazon Comprehend shape."""

import math
from pathlib import Path

import fasttext

from .data import LABELS
from .lexicon import Lexicon

LABEL_PREFIX = "__label__"
LID = "lid"  # the manifest's name for the language identifier


def _load(path):
    """Return the predict function of the fastText model at `path`: (labels, probabilities) of one line."""
    return fasttext.load_model(str(path)).predict


def model_input(tokens, lexicon):
    """Return the line a sentiment model reads for normalised `tokens`: them and their lexicon features."""
    return tokens + lexicon.features(tokens) if lexicon else tokens


class SentimentModel:
    """One language's sentiment model: fastText, its lexicon (or None), its class weights (the prior-shift
    correction, calibration.prior_weights; None: all 1) and its calibration temperature."""

    def __init__(self, path, lexicon=None, temperature=1.0, weights=None):
        self._predict = _load(path)
        # The predict-only package has no label list; every label gets a probability for any word.
        self.labels = sorted(label[len(LABEL_PREFIX) :] for label in self._predict("a", k=-1)[0])
        self.lexicon = lexicon
        self.temperature = temperature
        self._power = 1.0 / temperature
        # fastText's label -> Comprehend's score key, so that the hot path only looks it up.
        self._keys = {LABEL_PREFIX + label: label.capitalize() for label in self.labels}
        self._index = {LABEL_PREFIX + label: LABELS.index(label) for label in self.labels}
        self.weights = {label: (weights or {}).get(label, 1.0) for label in self.labels}
        self._weight = {LABEL_PREFIX + label: weight for label, weight in self.weights.items()}
        # (p * w) ** (1/T) = p ** (1/T) * w ** (1/T): the weights' part is computed once here.
        self._scaled_weight = {LABEL_PREFIX + label: weight**self._power for label, weight in self.weights.items()}

    def _predict_all(self, tokens):
        return self._predict(model_input(tokens, self.lexicon), -1, 0.0, "replace")

    def probabilities(self, tokens):
        """Return the weighted but uncalibrated probabilities of normalised `tokens`, one per class of
        data.LABELS."""
        row = [0.0] * len(LABELS)
        for label, p in zip(*self._predict_all(tokens)):
            row[self._index[label]] = float(p) * self._weight[label]
        total = sum(row)
        return [p / total for p in row]

    def scores(self, tokens):
        """Return the calibrated Comprehend SentimentScore of normalised `tokens`: four floats summing to 1."""
        labels, probabilities = self._predict_all(tokens)
        power, weight = self._power, self._scaled_weight
        # float(): the training library's fastText gives NumPy floats, whose repr answers would not be JSON.
        powered = [float(p) ** power * weight[label] for label, p in zip(labels, probabilities)]
        # fastText adds 1e-5 to every probability; the rescaling makes the scores sum to exactly 1.
        total = sum(powered)
        scores = {"Positive": 0.0, "Negative": 0.0, "Neutral": 0.0, "Mixed": 0.0}
        keys = self._keys
        for label, q in zip(labels, powered):
            scores[keys[label]] = q / total
        return scores


def from_manifest(folder, language, entry):
    """Return the SentimentModel of `language`'s manifest `entry`, its files (and lexicon) in `folder`."""
    temperature = entry.get("temperature", 1.0)
    if not _positive(temperature):
        raise ValueError(f"temperature {temperature!r} is not a positive number")
    weights = entry.get("class_weights", {})
    if not isinstance(weights, dict) or not set(weights) <= set(LABELS) or not all(map(_positive, weights.values())):
        raise ValueError(f"class_weights {weights!r} is not a positive number per label")
    lexicon = entry.get("lexicon")
    if lexicon:
        lexicon = Lexicon.load(Path(folder) / Path(lexicon["file"]).name, language)
    return SentimentModel(Path(folder) / Path(entry["file"]).name, lexicon, temperature, weights)


def _positive(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and 0 < value < math.inf


class LanguageIdentifier:
    """fastText's lid.176 language-identification model."""

    def __init__(self, path):
        self._predict = _load(path)

    def languages(self, tokens, k=1):
        """Return the `k` most likely (ISO 639 code, probability) of normalised `tokens`, most likely first."""
        # Masked mentions and links are English words to lid.176; they say nothing of the language.
        if "@user" in tokens or "http" in tokens:
            tokens = tokens.replace("@user", "").replace("http", "")
        labels, probabilities = self._predict(tokens, k, 0.0, "replace")
        return [(label[len(LABEL_PREFIX) :], min(float(p), 1.0)) for label, p in zip(labels, probabilities)]

    def detect(self, tokens):
        """Return the ISO 639 code of the most likely language of normalised `tokens`."""
        return self.languages(tokens)[0][0]


def load(folder, name, entry):
    """Return the model `name` of the manifest `entry`, its files in `folder`: the LanguageIdentifier for LID,
    else a SentimentModel."""
    if name == LID:
        return LanguageIdentifier(Path(folder) / entry["file"])
    return from_manifest(folder, name, entry)


def sentiment(scores):
    """Return the Comprehend Sentiment ("POSITIVE", ...) with the highest score."""
    return max(scores, key=scores.get).upper()
