"""Polarity-lexicon features: tokens appended to the normalised text, the same in training and serving."""

import os
from itertools import filterfalse
from pathlib import Path

from .text import normalize

# Words that flip the polarity of a lexicon word up to NEGATION_WINDOW tokens after them ("not bad",
# "nicht gut", "pas mal"), as normalize writes them (lower case; "don't" is one token).
NEGATORS = {
    "en": "not no never nothing nobody none neither nor without cannot can't don't doesn't didn't isn't wasn't "
          "aren't weren't won't wouldn't shouldn't couldn't haven't hasn't hadn't ain't dont doesnt didnt isnt",
    "fr": "ne pas jamais rien aucun aucune ni sans guère",
    "de": "nicht kein keine keinen keinem keiner keines nie niemals nichts niemand ohne weder",
    "it": "non mai niente nulla nessun nessuno nessuna né senza",
    "es": "no nunca jamás nada nadie ningún ninguno ninguna ni sin tampoco",
    "pt": "não nunca jamais nada ninguém nenhum nenhuma nem sem",
    "ar": "لا لم لن ليس ما غير بدون",
    "hi": "नहीं न मत बिना nahi nahin na mat",
}
NEGATION_WINDOW = 3
# Modals of possibility or duty in the conditional or past ("could", "pourrait", "könnte"): a comparative lexicon
# word (COMPARATIVES) up to MODAL_WINDOW tokens after one reads with the opposite polarity, since "could have been
# better" is a complaint, and a negation of the modal flips it back ("couldn't be better", "non poteva andare meglio",
# "no podría haber ido mejor") however far the comparative is within that window. English's negated modals are
# negators too. Not the present "can" ("peut", "kann"): "it can only get better" is no complaint.
MODALS = {
    "en": "could would might should couldn't wouldn't shouldn't couldnt wouldnt",
    "fr": "pourrait pourraient pourrais aurait auraient aurais devrait pouvait pouvais n'aurait n'auraient n'aurais",
    "de": "könnte könnten hätte hätten sollte sollten dürfte",
    "it": "potrebbe potrebbero poteva potevano avrebbe avrebbero dovrebbe",
    "es": "podría podrían podía debería habría",
    "pt": "poderia poderiam podia deveria teria",
}
COMPARATIVES = {
    "en": "better worse happier",
    "fr": "mieux meilleur meilleure meilleurs meilleures pire pires",
    "de": "besser bessere besseren besserer besseres schlechter schlechtere schlechteren",
    "it": "meglio migliore migliori peggio peggiore peggiori",
    "es": "mejor mejores peor peores",
    "pt": "melhor melhores pior piores",
}
MODAL_WINDOW = 4
# Advice put with a comparative or superlative is no praise ("It's best to book early.", "Es mejor reservar.", "Il
# vaut mieux réserver."): such a word (ADVISORY, or a comparative after a modal) counts nothing and leaves the line
# when the word after it marks advice (ADVICE_AFTER, or an infinitive's ending, INFINITIVE), directly or after a
# copula ("Lo mejor es llegar", "Le mieux est de"), or when the word before it does (ADVICE_BEFORE: "you'd better",
# "il vaut mieux"). Not German, whose advice ("am besten", "besser ... zu") only word order tells from praise.
ADVISORY = {"en": "better best", "fr": "mieux", "it": "meglio migliore", "es": "mejor", "pt": "melhor"}
ADVICE_AFTER = {"en": "to", "fr": "de vaut vaudrait"}
ADVICE_BEFORE = {"en": "you'd we'd i'd", "fr": "vaut vaudrait"}
COPULAS = {"en": "is", "fr": "est", "it": "è sarebbe", "es": "es sería", "pt": "é seria"}
INFINITIVE = {"fr": ("er", "ir", "re"), "it": ("are", "ere", "ire"), "es": ("ar", "er", "ir"), "pt": ("ar", "er", "ir")}
# Articles (and English possessives): a comparative right after one is a superlative or a noun ("would be the better
# choice", "il migliore", Spanish "a lo mejor", maybe), not a comparison nor advice ("the best pizza", "el mejor
# lugar", "try my best to"), and keeps its polarity.
ARTICLES = {
    "en": "the my your his her our their", "fr": "le la les", "de": "der die das den dem des",
    "it": "il la lo i gli le", "es": "el la lo los las", "pt": "o a os as",
}
# Marks that end a negation's reach before its window does: "no problem, happy to help" negates "problem"
# alone.
SCOPE_ENDS = ", . ! ? ; :"
# A negator in a yes-or-no question does not flip: "Isn't this café adorable?", "¿No es precioso?", "Ist der Park nicht
# wunderbar?" ask the reader to agree that it is, and "Isn't it awful?" complains. A question that starts with one of
# these words is no such question: "Why isn't it working?" complains that it is not.
QUESTION_WORDS = {
    "en": "why how", "fr": "pourquoi comment", "de": "warum wieso weshalb wie", "it": "perché come",
    "es": "por cómo como", "pt": "por porque como",
}
# Languages whose lexicon is written without accents (LeIA: "horrivel" for "horrível"): its words and the
# text's tokens are both looked up with accents folded.
ACCENTLESS = frozenset({"pt"})
_FOLD = str.maketrans("áàâãäéèêëíìîïóòôõöúùûüç", "aaaaaeeeeiiiiooooouuuuc")
# Per language: how its accented words are typed without accents ("genial" for "génial", "increible" for
# "increíble", German "schoen" for "schön"); the lexicon lists those spellings too (`merge`), so that a text typed
# on a keyboard without them still finds its sentiment words. Spanish keeps "ñ", as its typists do. Not Italian: its
# lexicon has four accented words, and its everyday sentences typed without accents gained nothing.
UNACCENTED = {"fr": _FOLD, "es": _FOLD, "de": str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})}
# Per language: the clitics it elides before a vowel or a mute h, which normalize keeps with their word ("t'aime",
# "l'horreur", "m'ennuie"): a token that begins with one and that the lexicon lacks is looked up without it.
ELIDED = {"fr": "l j m t s d qu"}
# Per language: its negation elided the same way ("n'", of the negator "ne"), the initials it is elided before, and the
# negator it stands for. It negates the word it is elided onto ("je n'aime pas" is no praise, though "pas" comes after
# "aime"), so each lexicon word with such an initial is listed after it with the opposite polarity; a token that begins
# with it and that the lexicon lacks reads as the negator ("ce n'est plus drôle").
ELIDED_NEGATION = {"fr": ("n", "aàâæeéèêëiîïoôœuùûüyh", "ne")}
# Counts of positive and negative hits are bucketed: 0, 1, 2, and 3 or more.
MAX_BUCKET = 3
POLARITY = {"1": 1, "-1": -1}
NEGATOR = 0
SCOPE_END = 2
MODAL = 3
NEGATING_MODAL = 4  # a modal that is a negator too: "couldn't"
PHRASE = 5  # the first word of a phrase of this project's lists ("worth every penny", "vale la pena")


class Lexicon:
    """A word -> polarity (+1 or -1) map of one language, with that language's negators; its feature tokens
    are written `weight` times (fastText averages the tokens of a line, so more copies weigh more), with
    `drop_negated` a negated lexicon word and its negator leave the line, their flipped polarity counted, and
    `stop_words` (less any lexicon word or negator among them) leave the line too. An entry of several words is a
    phrase: its words count once, as one lexicon word at the first of them, and none of them on its own."""

    def __init__(self, polarities, language, weight=1, drop_negated=False, stop_words=()):
        self.entries = len(polarities)
        self.weight = weight
        self.drop_negated = drop_negated
        self._fold = language in ACCENTLESS
        # Negators and the marks that end their reach share the map (as NEGATOR, SCOPE_END) so that each token
        # costs one lookup; "’" spellings too.
        negators, modals = _spellings(NEGATORS, language), _spellings(MODALS, language)
        words = {word: polarity for word, polarity in polarities.items() if " " not in word}
        self._negation, initials, self._negator = ELIDED_NEGATION.get(language, (None, "", None))
        words = {**{f"{self._negation}'{word}": -polarity for word, polarity in words.items() if word[0] in initials},
                 **words}
        phrases = sorted((item for item in polarities.items() if " " in item[0]), key=lambda item: -item[0].count(" "))
        self.polarities = {**words, **dict.fromkeys(negators, NEGATOR),
                           **{word: NEGATING_MODAL if word in negators else MODAL for word in modals},
                           **dict.fromkeys(SCOPE_ENDS.split(), SCOPE_END)}
        # A phrase's first word maps to PHRASE, so that a text without one costs nothing more; `_phrases` keeps what
        # that word is alone and, by their second word, the rest of its phrases and their polarity, the longest first:
        # a first word and a second that begin no phrase together cost one more lookup.
        self._phrases, negators = {}, frozenset(negators)
        for phrase, polarity in phrases:
            first, second, *rest = phrase.split(" ")
            own, by_second = self._phrases.setdefault(first, (self.polarities.get(first), {}))
            by_second.setdefault(second, []).append((rest, polarity, not negators.isdisjoint(phrase.split(" "))))
            self.polarities[first] = PHRASE
        # Matched against the tokens as written (not folded), as the words that follow and precede a comparative are.
        self._comparatives, self._articles = _words(COMPARATIVES, language), _words(ARTICLES, language)
        self._advisory, self._copulas = _words(ADVISORY, language), _words(COPULAS, language)
        self._advice_after = _words(ADVICE_AFTER, language)
        self._advice_before = frozenset(_spellings(ADVICE_BEFORE, language))
        self._infinitive = INFINITIVE.get(language, ())
        self._question_words = _words(QUESTION_WORDS, language)
        self._clitics = _words(ELIDED, language)
        self._elides = bool(self._clitics or self._negation)
        self.stop_words = frozenset(stop_words) - self.polarities.keys()
        # Every feature string, built once: the hot path only indexes this table.
        self._features = [[f" lexpos{p} lexneg{n}" * weight for n in range(MAX_BUCKET + 1)]
                          for p in range(MAX_BUCKET + 1)]

    @classmethod
    def load(cls, path, language, weight=1, drop_negated=False, stop_words=()):
        """Read a `word<TAB>1|-1` file (as `merge` writes it)."""
        polarities = {}
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                word, _, polarity = line.rstrip("\n").partition("\t")
                if not word or polarity not in POLARITY:
                    raise ValueError(f"{path}:{number}: expected word<TAB>1 or -1")
                polarities[word] = POLARITY[polarity]
        return cls(polarities, language, weight, drop_negated, stop_words)

    def line(self, tokens):
        """Return the line a model reads for normalised `tokens`: them (less the negated words, their negators and
        modals and the words of advice, with `drop_negated`, and the `stop_words`) and their feature tokens: the
        bucketed `counts`, `weight` times."""
        words = tokens.split(" ")
        positive, negative, negated = self._scan(tokens, words)
        kept = words
        if negated and self.drop_negated:
            kept = [word for index, word in enumerate(words) if index not in negated]
        if self.stop_words:
            # filterfalse with the set's own membership test loops in C: about half a comprehension's cost.
            kept = filterfalse(self.stop_words.__contains__, kept)
        if kept is not words:
            tokens = " ".join(kept)
        return tokens + self._features[min(positive, MAX_BUCKET)][min(negative, MAX_BUCKET)]

    def counts(self, tokens):
        """Return the numbers of positive and negative lexicon words in normalised `tokens`, a word's
        polarity flipped when a negator comes just before it in the same clause, and a comparative's when a modal
        does; a comparative or superlative that gives advice counts neither."""
        return self._scan(tokens, tokens.split(" "))[:2]

    def _looked_up(self, tokens, words):
        """Return the tokens `words` (of normalised `tokens`) as the lexicon looks them up: with "'" for "’"; those that
        begin with an elided clitic (ELIDED) and that it lacks without the clitic, and those that begin with an elided
        negation (ELIDED_NEGATION) and that it lacks as the negator."""
        # From one apostrophe to the next with str methods: most tokens have none, and a loop over them all would
        # cost a French tweet about a microsecond.
        text = tokens.replace("’", "'") if "’" in tokens else tokens
        looked, at = words, text.find("'")
        while at >= 0:
            start, end = text.rfind(" ", 0, at) + 1, text.find(" ", at)
            clitic = text[start:at]
            if clitic in self._clitics or clitic == self._negation:
                token = text[start:end if end >= 0 else None]
                if self.polarities.get(token) is None:
                    token = token[at - start + 1:] if clitic in self._clitics else self._negator
                index = text.count(" ", 0, start)
                if looked is words:
                    looked = list(words)
                looked[index] = token
            at = text.find("'", end) if end >= 0 else -1
        return looked

    def _scan(self, tokens, words):
        """Return `counts` of normalised `tokens`, split into `words`, and the positions of the flipped words, their
        negators and modals, the words of advice and the negators of yes-or-no questions."""
        if self._elides:
            words = self._looked_up(tokens, words)
        positive = negative = 0
        since_negator = NEGATION_WINDOW + 1
        # A position, not a count: a count would cost every token an addition.
        modal = -MODAL_WINDOW - 1
        # The position of the negator that negates the current modal, or None.
        modal_negator = None
        # A set: line() tests every token's position against it.
        negated = set()
        # The positions in yes-or-no questions, whose negators neither flip nor stay.
        asking = self._asking(words) if "?" in tokens else ()
        get = self.polarities.get
        fold_accents = self._fold
        # The last position of the phrase found last: its other words count nothing.
        phrase_end = -1
        for index, token in enumerate(words):
            polarity = get(token)
            # Folding only the tokens that miss and have accents costs less than folding the whole text.
            if polarity is None and fold_accents and not token.isascii():
                polarity = get(token.translate(_FOLD))
            if polarity is None:
                since_negator += 1
                continue
            if index <= phrase_end:
                since_negator += 1
                continue
            if polarity == PHRASE:
                polarity, phrase_end, concord = self._phrase(words, index, token)
                if polarity is None:
                    since_negator += 1
                    continue
                if concord:
                    # A phrase that holds a negator agrees with one before it rather than being flipped by it:
                    # "non mi hanno mai più scritto", "no vuelvo nunca más", "ça ne vaut pas le coup".
                    since_negator = NEGATION_WINDOW
            if polarity == NEGATOR:
                if index in asking:
                    # Its tweets' weight is a denial's: it leaves the line as a negator that flips does.
                    negated.add(index)
                    since_negator += 1
                    continue
                since_negator, negator = 0, index
                if index - modal <= MODAL_WINDOW:
                    modal_negator = index
                continue
            if polarity == SCOPE_END:
                since_negator, modal = NEGATION_WINDOW, -MODAL_WINDOW - 1
                continue
            if polarity >= MODAL:
                if polarity == NEGATING_MODAL:
                    since_negator, negator = 0, index
                modal, modal_negator = index, negator if since_negator < NEGATION_WINDOW else None
                if polarity == MODAL:
                    since_negator += 1
                continue
            if index - modal <= MODAL_WINDOW and token in self._comparatives and words[index - 1] not in self._articles:
                negated.update((modal, index) if modal_negator is None else (modal, index, modal_negator))
                if self._gives_advice(words, index):
                    polarity = 0
                elif modal_negator is None:
                    polarity = -polarity
            elif token in self._advisory and self._gives_advice(words, index):
                negated.add(index)
                polarity = 0
            elif since_negator < NEGATION_WINDOW:
                polarity = -polarity
                negated.update((negator, index))
            since_negator += 1
            if polarity > 0:
                positive += 1
            elif polarity:
                negative += 1
        return positive, negative, negated

    def _phrase(self, words, index, first):
        """Return the polarity of the phrase that starts with `first` at `index` of the tokens `words`, its last
        position and whether it holds a negator; if none does, `first`'s own polarity (or None), `index` and
        False."""
        own, by_second = self._phrases[first if first in self._phrases else first.translate(_FOLD)]
        second = words[index + 1] if index + 1 < len(words) else None
        if second is not None and self._fold:
            second = second.translate(_FOLD)
        for rest, polarity, concord in by_second.get(second, ()):
            end = index + 1 + len(rest)
            following = words[index + 2:end + 1]
            if self._fold:
                following = [word.translate(_FOLD) for word in following]
            if following == rest:
                return polarity, end, concord
        return own, index, False

    def _asking(self, words):
        """Return the positions of the tokens `words` in a clause that ends with "?" and does not start with a
        question word (QUESTION_WORDS; after "¿", the word after it)."""
        asking, start = set(), 0
        # From each "?" back to the mark before it: only the questions' tokens are looked at.
        for _ in range(words.count("?")):
            end = words.index("?", start)
            begin = end
            while begin > start and self.polarities.get(words[begin - 1]) != SCOPE_END:
                begin -= 1
            first = begin + 1 if words[begin] == "¿" and begin + 1 < end else begin
            if words[first] not in self._question_words:
                asking.update(range(begin, end))
            start = end + 1
        return asking

    def _gives_advice(self, words, index):
        """Whether the comparative or superlative at `index` of the tokens `words` gives advice (ADVISORY)."""
        before, after = words[index - 1] if index else None, words[index + 1:index + 3]
        if after and after[0] in self._copulas:
            return len(after) > 1 and self._marks_advice(after[1])
        if before in self._advice_before:
            return True
        return bool(after) and before not in self._articles and self._marks_advice(after[0])

    def _marks_advice(self, word):
        return word in self._advice_after or word.endswith(self._infinitive)


# Inflected forms added for each lexicon word that lacks them, as (ending, replacements): the lexicons list
# lemmas ("wunderschön", "bello") where text has "wunderschöner", "bella". "" matches any word. Spanish has
# none: its lexicon lists inflected forms already.
INFLECTIONS = {
    "de": [("e", ["er", "es", "en", "em", "este", "esten"]),
           ("", ["e", "er", "es", "en", "em", "ste", "sten", "este", "esten"])],
    "fr": [("eux", ["euse", "euses"]), ("if", ["ive", "ives"]), ("el", ["elle", "elles"]), ("e", ["es"]),
           ("", ["e", "s", "es"])],
    "it": [("o", ["a", "i", "e", "issimo", "issima", "issimi", "issime"]),
           ("e", ["i", "issimo", "issima", "issimi", "issime"])],
    "pt": [("o", ["a", "os", "as"]), ("", ["s"])],
}


def _words(table, language):
    """Return the words of `language` in word table `table` (COMPARATIVES, ARTICLES, ...) as a set."""
    return frozenset(table.get(language, "").split())


def _spellings(table, language):
    """Return the words of `language` in word table `table` (NEGATORS, MODALS, ADVICE_BEFORE), accents folded as
    its lexicon is, and each with "'" also spelt "’"."""
    words = [fold(word, language) for word in table.get(language, "").split()]
    return words + [word.replace("'", "’") for word in words if "'" in word]


def fold(word, language):
    """Return `word` as `language`'s lexicon spells it: accents folded for ACCENTLESS languages."""
    return word.translate(_FOLD) if language in ACCENTLESS else word


def inflect(word, language):
    """Return the inflected forms of lexicon `word` in `language` (INFLECTIONS)."""
    for ending, replacements in INFLECTIONS.get(language, []):
        if word.endswith(ending):
            stem = word[: len(word) - len(ending)]
            return [stem + replacement for replacement in replacements]
    return []


def read_entries(path, language, phrases=False):
    """Yield the (token, polarity) entries of a lexicon file that `normalize` keeps as one token (with `phrases`,
    those of several tokens too)."""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        word, _, polarity = line.partition("\t")
        token = fold(normalize(word), language)
        if token and (phrases or " " not in token) and (polarity in POLARITY or polarity == "0"):
            yield token, polarity


def merge(sources, out, language=None, overrides=(), words=frozenset(), forms=None):
    """Write the union of lexicon files `sources` to `out` (via a `.part` file), each word as `normalize`
    tokenises it, a word two sources disagree on left out; then `overrides` (word<TAB>1, -1, or 0 to
    remove a word; phrases of several words too), then the inflected forms of `language`'s words, and those that
    `forms` maps each word to, that no entry lists (two inflections that disagree are left out), then their UNACCENTED
    spellings that are neither an entry, nor set to 0, nor among `words`."""
    polarities, conflicts = {}, set()
    for source in sources:
        for token, polarity in read_entries(source, language):
            if polarities.setdefault(token, polarity) != polarity:
                conflicts.add(token)
    for token in conflicts:
        del polarities[token]
    for source in overrides:
        for token, polarity in read_entries(source, language, phrases=True):
            polarities[token] = polarity
    # A word set to 0 carries no sentiment: no other word's inflection brings it back ("foi" + "s": "fois").
    neutral = {token for token, polarity in polarities.items() if polarity == "0"}
    polarities = {token: polarity for token, polarity in polarities.items() if polarity != "0"}
    inflected, conflicts = {}, set()
    forms = forms or {}
    for word, polarity in polarities.items():
        if " " in word:
            continue
        for form in (*inflect(word, language), *forms.get(word, ())):
            if form in neutral:
                continue
            if form not in polarities and inflected.setdefault(form, polarity) != polarity:
                conflicts.add(form)
    polarities.update((form, polarity) for form, polarity in inflected.items() if form not in conflicts)
    # A spelling that the language's own text uses is a word of its own: French "beurre" (butter) is no "beurré"
    # (drunk), nor German "schon" a "schön".
    unaccented, conflicts = {}, set()
    for word, polarity in polarities.items():
        typed = word.translate(UNACCENTED.get(language, {}))
        if typed != word and typed not in polarities and typed not in neutral and typed not in words:
            if unaccented.setdefault(typed, polarity) != polarity:
                conflicts.add(typed)
    polarities.update((typed, polarity) for typed, polarity in unaccented.items() if typed not in conflicts)
    part = Path(f"{out}.part")
    part.write_text("".join(f"{word}\t{p}\n" for word, p in sorted(polarities.items())), encoding="utf-8")
    os.replace(part, out)
