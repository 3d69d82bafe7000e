"""Polarity-lexicon features: tokens appended to the normalised text, the same in training and serving."""

import os
from pathlib import Path

# Words that flip the polarity of a lexicon word up to NEGATION_WINDOW tokens after them ("not bad",
# "nicht gut", "pas mal"), as normalize writes them (lower case; "don't" is one token).
NEGATORS = {
    "en": "not no never nothing nobody none neither nor without cannot can't don't doesn't didn't isn't wasn't "
          "aren't weren't won't wouldn't shouldn't couldn't haven't hasn't hadn't ain't dont doesnt didnt isnt",
    "fr": "pas jamais rien aucun aucune ni sans guère",
    "de": "nicht kein keine keinen keinem keiner keines nie niemals nichts ohne weder",
    "it": "non mai niente nulla nessuno nessuna né senza",
    "es": "no nunca jamás nada nadie ningún ninguno ninguna ni sin tampoco",
    "pt": "não nunca jamais nada nenhum nenhuma nem sem",
    "ar": "لا لم لن ليس ما غير بدون",
    "hi": "नहीं न मत बिना nahi nahin na mat",
}
NEGATION_WINDOW = 3
# Counts of positive and negative hits are bucketed: 0, 1, 2, and 3 or more.
MAX_BUCKET = 3
POLARITY = {"1": 1, "-1": -1}
NEGATOR = 0


class Lexicon:
    """A word -> polarity (+1 or -1) map of one language, with that language's negators."""

    def __init__(self, polarities, language):
        # Negators share the map (as NEGATOR) so that each token costs one lookup; "’" spellings too.
        self.entries = len(polarities)
        negators = NEGATORS.get(language, "").split()
        negators += [word.replace("'", "’") for word in negators if "'" in word]
        self.polarities = {**polarities, **dict.fromkeys(negators, NEGATOR)}
        # Every feature string, built once: the hot path only indexes this table.
        self._features = [[f" lexpos{p} lexneg{n}" for n in range(MAX_BUCKET + 1)] for p in range(MAX_BUCKET + 1)]

    @classmethod
    def load(cls, path, language):
        """Read a `word<TAB>1|-1` file (as `merge` writes it)."""
        polarities = {}
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                word, _, polarity = line.rstrip("\n").partition("\t")
                if not word or polarity not in POLARITY:
                    raise ValueError(f"{path}:{number}: expected word<TAB>1 or -1")
                polarities[word] = POLARITY[polarity]
        return cls(polarities, language)

    def features(self, tokens):
        """Return the feature tokens of normalised `tokens` (with a leading space): bucketed counts of
        positive and negative lexicon words, a word's polarity flipped when a negator comes just before it."""
        positive = negative = 0
        since_negator = NEGATION_WINDOW + 1
        get = self.polarities.get
        for token in tokens.split(" "):
            polarity = get(token)
            if polarity is None:
                since_negator += 1
                continue
            if polarity == NEGATOR:
                since_negator = 0
                continue
            if since_negator < NEGATION_WINDOW:
                polarity = -polarity
            since_negator += 1
            if polarity > 0:
                positive += 1
            else:
                negative += 1
        return self._features[min(positive, MAX_BUCKET)][min(negative, MAX_BUCKET)]


def merge(sources, normalize, out):
    """Write the union of lexicon files `sources` to `out` (via a `.part` file), each word as `normalize`
    tokenises it; a word that two sources disagree on, or that is not one token, is left out."""
    polarities, conflicts = {}, set()
    for source in sources:
        for line in Path(source).read_text(encoding="utf-8").splitlines():
            word, _, polarity = line.partition("\t")
            token = normalize(word)
            if not token or " " in token or polarity not in POLARITY:
                continue
            if polarities.setdefault(token, polarity) != polarity:
                conflicts.add(token)
    part = Path(f"{out}.part")
    part.write_text("".join(f"{word}\t{p}\n" for word, p in sorted(polarities.items()) if word not in conflicts),
                    encoding="utf-8")
    os.replace(part, out)
