"""The service: the verified models, and each text checked, routed to its language's model and classified."""

import logging
import re

from sentiment import canary, formats, languages
from sentiment.model import LID, load
from sentiment.store import Store
from sentiment.text import normalize

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")

log = logging.getLogger("sentiment")


class ApiError(Exception):
    """An error answered as `{"error": {"code", "message"}}` with its HTTP status."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Service:
    """The loaded models and what went wrong loading the others."""

    def __init__(self, config):
        store = Store(config["MODEL_SOURCE"], config["MODEL_CACHE_DIR"], timeout=config["DOWNLOAD_TIMEOUT"],
                      retries=config["DOWNLOAD_RETRIES"], backoff=config["DOWNLOAD_BACKOFF"],
                      deadline=config["DOWNLOAD_DEADLINE"], manifest_sha256=config["MODEL_MANIFEST_SHA256"])
        self.languages = [code.strip().lower() for code in config["LANGUAGES"].split(",") if code.strip()]
        # Answers write the code unescaped (formats._fields), so it must be a plain ISO 639 code.
        for code in self.languages:
            if not LANGUAGE_CODE.fullmatch(code):
                raise ValueError(f"LANGUAGES: {code!r} is not an ISO 639 code such as en; refusing to start")
        self.max_text_bytes = config["MAX_TEXT_BYTES"]
        self.max_batch_size = config["MAX_BATCH_SIZE"]
        manifest, paths, self.errors = store.sync([*self.languages, LID])
        # Proven in child processes first: a model that crashes, hangs or eats memory never reaches a worker.
        self.errors.update(canary.prove(store.cache_dir, {name: manifest["models"][name] for name in paths}))
        self.models, self.versions = {}, {}
        for name, path in paths.items():
            if name in self.errors:
                continue
            try:
                self.models[name] = load(path.parent, name, manifest["models"][name])
            except ValueError as error:
                self.errors[name] = f"{path.name} does not load: {error}"
                continue
            entry = manifest["models"][name]
            self.versions[name] = {"version": entry.get("version"), "sha256": entry["sha256"]}
        for name, error in self.errors.items():
            log.error("model not loaded", extra={"model": name, "reason": error})

    @property
    def ready(self):
        """True when every configured model is loaded."""
        return not self.errors

    def model(self, language):
        """Return the sentiment model of `language`, or raise the ApiError that says why there is none."""
        if language not in self.languages:
            raise ApiError(400, "unsupported_language",
                           f"language {language!r} is not supported; supported: {', '.join(self.languages)}")
        if language not in self.models:
            raise ApiError(503, "model_unavailable", f"the {language} model is not loaded: {self.errors[language]}")
        return self.models[language]

    def resolve(self, hint):
        """Return the ISO code a language `hint` names (a code or a name), or None to detect it; raise the ApiError
        that says why not."""
        if hint is not None and not isinstance(hint, str):
            raise ApiError(400, "invalid_request", "language must be a string such as \"en\", \"French\" or \"auto\"")
        try:
            return languages.resolve(hint)
        except ValueError as error:
            raise ApiError(400, "unsupported_language", f"{error}; supported: {', '.join(self.languages)} (codes "
                           "or names such as \"French\"), or \"auto\" to detect it") from None

    def tokens(self, text):
        """Return the normalised tokens of `text`, or raise the ApiError that says what is wrong with it."""
        if not isinstance(text, str):
            raise ApiError(400, "invalid_request", "text must be a string")
        try:
            size = len(text) if text.isascii() else len(text.encode("utf-8"))
        except UnicodeEncodeError:
            raise ApiError(400, "invalid_text", "text is not valid Unicode (lone surrogate)") from None
        if size > self.max_text_bytes:
            raise ApiError(400, "text_too_long",
                           f"text is {size} UTF-8 bytes; the limit is {self.max_text_bytes}")
        tokens = normalize(text)
        if not tokens:
            raise ApiError(400, "empty_text", "text is empty")
        return tokens

    def detector(self):
        """Return the language identifier, or raise the ApiError that says it is not loaded."""
        if LID not in self.models:
            raise ApiError(503, "model_unavailable", "language detection is not loaded; name the language")
        return self.models[LID]

    def classify(self, text, language):
        """Return the Comprehend-shaped result of one text, with whether its language was detected;
        `language` None means detect it."""
        tokens = self.tokens(text)
        detected = language is None
        if detected:
            language = self.detector().detect(tokens, default=self.languages[0], served=self.languages)
        model = self.model(language)
        top, scores = model.classify(tokens, model.reads_plain(text))
        return {"Sentiment": top, "SentimentScore": scores, "LanguageCode": language,
                "LanguageDetected": detected}

    def classify_batch(self, texts, language):
        """Return the Comprehend BatchDetectSentiment result of `texts`; one bad text does not fail the others."""
        if not isinstance(texts, list) or not texts:
            raise ApiError(400, "invalid_request", "texts must be a non-empty list of strings")
        if language is not None:
            self.model(language)
        return self.classify_records([(text, language) for text in texts])

    def classify_records(self, records):
        """Return the BatchDetectSentiment result of (text, language hint) `records` (a hint as requests name
        languages: a code, a name, or None to detect); each bad record is its own ErrorList entry."""
        if len(records) > self.max_batch_size:
            raise ApiError(400, "batch_too_large", f"{len(records)} texts; the limit is {self.max_batch_size}")
        results, errors = [], []
        for index, (text, hint) in enumerate(records):
            try:
                if text is formats.NOT_A_RECORD:
                    raise ApiError(400, "invalid_request", 'the line is not a JSON object with a "text" string')
                results.append({"Index": index, **self.classify(text, self.resolve(hint))})
            except ApiError as error:
                errors.append({"Index": index, "ErrorCode": error.code.upper(), "ErrorMessage": error.message})
        return {"ResultList": results, "ErrorList": errors}
