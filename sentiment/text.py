"""Text normalisation shared by training and serving: its cost is linear in the text, whatever the text."""

import html
import re

# A surrogate pair as two escapes (an emoji), or any one escape.
_ESCAPE = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\u([0-9a-f]{4})", re.IGNORECASE)
# A tag or comment: it ends at the first ">" and never spans a "<", so that each character is scanned by one
# attempt at most (an HTML parser, or "[^>]*", rescans the rest of the text from every unclosed "<").
_MARKUP = re.compile(r"<[a-zA-Z/!][^<>]*>")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"@\w+")
_REPEAT = re.compile(r"(.)\1\1\1+")  # as (.)\1{3,}, but 1.6x faster in re
# A word character: \w misses the combining marks that Indic and Arabic words are written with.
_WORD = r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u0900-\u0963\u0966-\u0dff\u200c]"
# Emoticons first so ":)" or "<3" stay whole; then words (hashtag "#" splits off as its own token);
# then any other single non-space character, which keeps each emoji and punctuation mark as a token.
_TOKEN = re.compile(
    r"[<>]?[:;=][\-o*']?[)\](\[dp/\\|}{@]"
    r"|[)\](\[d/\\|}{@][\-o*']?[:;=8]"
    r"|</?3"
    r"|@user"
    rf"|{_WORD}+(?:['’]{_WORD}+)*"
    r"|[^\w\s\x00-\x1f\x7f\ufe0f\u200d]"
)

# Marks of a post rather than a plain sentence, besides links: a mention, a hashtag or an emoji.
_POST = re.compile(r"[@#\u2600-\u27bf\U0001f000-\U0001faff]")
# A short text without those marks reads as a plain sentence without its final mark too ("Das ist gut", "Not bad at
# all"): with the tweets' temperature such sentences scored 0.76 where 91% were right. Longer ones keep the tweets'
# temperature: many tweets look like them, and the plain temperature would make their scores overconfident
# (models/README.md, What was tried). So do texts in lower case, but for the models that read them as plain
# (recipe.PLAIN_LOWER_CASE).
PLAIN_MAX_WORDS = 12
# The plain words that _TOKEN's second emoticon branch ("d8", "do8": a "D8" face, lower-cased) would split.
_EMOTICON_WORDS = ("d8", "do8")
# Marks that end a word ("great!", "film,"): each its own token, none part of an emoticon.
_CLOSING = ",.!?"


def _decode_escape(match):
    if match.group(3) is None:
        high, low = int(match.group(1), 16), int(match.group(2), 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    code = int(match.group(3), 16)
    # A lone surrogate is not a character: it would make the text invalid UTF-8.
    return "" if 0xD800 <= code <= 0xDFFF else chr(code)


def _three(match):
    return match.group(1) * 3


def normalize(text):
    """Return `text` as the space-separated lower-case tokens the models are trained and queried on."""
    # The UMSAB corpora carry literal "\u2019"-style escapes; real requests carry the characters.
    if "\\u" in text:
        text = _ESCAPE.sub(_decode_escape, text)
    if "<" in text:
        text = _MARKUP.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.lower()
    if "http" in text or "www." in text:
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    # Elongation is signal ("soooo good"), but its length is not: cap every run at three. A function as the
    # replacement: re parses a template string on every call, which costs more than the search.
    text = _REPEAT.sub(_three, text)
    return tokenize(text)


def looks_plain(text, lower_case=False):
    """Return whether raw `text` reads as a plain sentence, not a post: a capital letter first (with `lower_case`,
    any letter), ".", "!" or "?" last or PLAIN_MAX_WORDS words at most, and no mention, hashtag, link or emoji."""
    text = text.strip()
    first = text[:1]
    return ((first.isupper() or lower_case and first.islower())
            and (text[-1:] in (".", "!", "?") or len(text.split(None, PLAIN_MAX_WORDS)) <= PLAIN_MAX_WORDS)
            and "http" not in text and "www." not in text and not _POST.search(text))


def tokenize(text):
    """Return the tokens that _TOKEN finds in `text`, space-separated, a plain word at a time where it can."""
    tokens = []
    # No token spans a space, so each chunk between spaces is tokenised on its own. Most chunks are a plain word,
    # a plain word and one closing mark, or a masked mention, and so their own tokens: str.isalnum is exactly
    # _TOKEN's \w without "_", and among such chunks only those starting "d8"/"do8" start with an emoticon. The
    # others go through the full pattern.
    for chunk in text.split():
        # Testing the first letter before startswith spares most words startswith's cost.
        if chunk.isalnum() and (chunk[0] != "d" or not chunk.startswith(_EMOTICON_WORDS)) or chunk == "@user":
            tokens.append(chunk)
        elif chunk[-1] in _CLOSING and chunk[:-1].isalnum() and not chunk.startswith(_EMOTICON_WORDS):
            tokens += (chunk[:-1], chunk[-1])
        else:
            tokens += _TOKEN.findall(chunk)
    return " ".join(tokens)
