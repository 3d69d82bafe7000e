"""fastText sentiment and language-identification models, answering in the Amazon Comprehend shape."""

import fasttext

SCORE_KEYS = ("Positive", "Negative", "Neutral", "Mixed")
LABEL_PREFIX = "__label__"


def _load(path):
    """Return the fastText model at `path` and its raw predict function."""
    model = fasttext.load_model(str(path))
    # FastText.predict wraps its result in np.array(copy=False), which NumPy 2 rejects; the binding
    # underneath returns plain (probability, label) pairs without that copy, so the hot path calls it.
    return model, model.f.predict


class SentimentModel:
    """One language's sentiment model."""

    def __init__(self, path):
        model, self._predict = _load(path)
        self.labels = [label[len(LABEL_PREFIX) :] for label in model.labels]
        # fastText's label -> Comprehend's score key, so that the hot path only looks it up.
        self._keys = {LABEL_PREFIX + label: label.capitalize() for label in self.labels}

    def scores(self, tokens):
        """Return the Comprehend SentimentScore of normalised `tokens`: four floats summing to 1."""
        pairs = self._predict(tokens + "\n", -1, 0.0, "replace")
        # fastText adds 1e-5 to every probability; rescale so that the scores sum to exactly 1.
        total = sum(p for p, _ in pairs)
        scores = dict.fromkeys(SCORE_KEYS, 0.0)
        for p, label in pairs:
            scores[self._keys[label]] = p / total
        return scores


class LanguageIdentifier:
    """fastText's lid.176 language-identification model."""

    def __init__(self, path):
        _, self._predict = _load(path)

    def languages(self, tokens, k=1):
        """Return the `k` most likely (ISO 639 code, probability) of normalised `tokens`, most likely first."""
        # Masked mentions and links are English words to lid.176; they say nothing of the language.
        if "@user" in tokens or "http" in tokens:
            tokens = tokens.replace("@user", "").replace("http", "")
        return [(label[len(LABEL_PREFIX) :], min(p, 1.0)) for p, label in self._predict(tokens + "\n", k, 0.0, "replace")]

    def detect(self, tokens):
        """Return the ISO 639 code of the most likely language of normalised `tokens`."""
        return self.languages(tokens)[0][0]


def sentiment(scores):
    """Return the Comprehend Sentiment ("POSITIVE", ...) with the highest score."""
    return max(scores, key=scores.get).upper()
