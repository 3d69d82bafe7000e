"""Language codes: what a request may name and what the training data calls each language."""

ISO_639_1 = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de
    dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id
    ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu
    lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu
    rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr
    ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)

# Folder names of the UMSAB layout (`<folder>/<split>_text.txt`).
UMSAB_FOLDERS = {
    "en": "english",
    "fr": "french",
    "de": "german",
    "it": "italian",
    "es": "spanish",
    "pt": "portuguese",
    "ar": "arabic",
    "hi": "hindi",
}

# Of Spanish and Portuguese, each one's own frequent words (model.NEIGHBOURS): the 100 words most frequent in the
# unlabelled sentences of one (shared data, unlabelled/) that are at least 50 times rarer in the other's, less "r", and
# Portuguese "da" and "os", which Spanish writes too ("me da igual", "os quiero").
OWN_WORDS = {
    "pt": frozenset("""do em com na um é uma não as ao foi mais das à são pelo pela sua também já seu tem ele ou anos
        ainda até feira foram ano dia disse quando aos nas há dois às muito ter governo mesmo depois vai três sem onde
        isso pessoas milhões estão pode seus só primeiro nesta após maior acordo hoje cidade dias ontem tempo""".split()),
    "es": frozenset("""la el en y los del un las con una su al es ha más pero sus ya le fue también años cuando han
        hasta sin hoy muy gobierno según año tiene donde había puede son ayer aunque millones después sólo tres españa
        ahora hay otros equipo pasado uno hace día mientras tras primer gran dijo quien ese otro ciento así bien tiempo
        además""".split()),
}

# The served languages' English names, as the page shows them, and their native names.
ENGLISH_NAMES = {"en": "English", "fr": "French", "de": "German", "it": "Italian", "es": "Spanish",
                 "pt": "Portuguese", "ar": "Arabic", "hi": "Hindi"}
NATIVE_NAMES = {"fr": ("français", "francais"), "de": ("Deutsch",), "it": ("italiano",),
                "es": ("español", "espanol", "castellano"), "pt": ("português", "portugues"),
                "ar": ("العربية", "عربي"), "hi": ("हिन्दी", "हिंदी")}
# What a request may call them, case aside.
NAMES = {name.casefold(): code for code, name in ENGLISH_NAMES.items()}
NAMES.update((name.casefold(), code) for code, names in NATIVE_NAMES.items() for name in names)
# Hints that mean "detect it": the workshop's own "US" (a country, not a language) and "auto".
DETECT = frozenset({"auto", "us"})


def resolve(value):
    """Map a requested language ("en", "FR", "en-US", "fr_FR", "French", "Deutsch") to an ISO 639-1 code; None
    ("auto", "US" or no hint) means detect it. Raise ValueError for anything else."""
    if value is None:
        return None
    if value in ISO_639_1:
        return value
    hint = value.strip().casefold()
    if hint in DETECT:
        return None
    if hint in NAMES:
        return NAMES[hint]
    primary = hint.replace("_", "-").split("-", 1)[0]
    if primary in ISO_639_1:
        return primary
    raise ValueError(f"language {value!r} is not a language code or name we know")
