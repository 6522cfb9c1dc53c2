"""The built-in assistant's vocabulary, English and French side by side.

Everything here is matched against *normalized* text (`normalize`): accents stripped,
case folded, typographic apostrophes made plain, punctuation other than `'`, `-`, `.` and
`,` turned into spaces. Phrases are therefore written without accents (`comedie`, not
`comédie`); a `*` in a phrase means "any plural/feminine ending" (`francais*` matches
français, française, françaises), and a space also matches a hyphen.

Genres are TMDB's English names (what `recommend {genre}` and `filters.parse_genres`
accept). Keywords are English words (TMDB's `/search/keyword` is English; offline they are
looked for in cached overviews, and the English overview is nearly always cached), so a
French theme word maps to its English keyword.
"""

from __future__ import annotations

import re
import unicodedata

# --------------------------------------------------------------------------- normalizing

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'",
                              "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "«": " ", "»": " ",
                              "–": "-", "—": "-", "‑": "-"})
_KEEP = frozenset("'-.,+/")


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """`text` normalized, and for each character of the result the index in `text` it came
    from (so a span found in the normalized text can be cut from the words as typed)."""
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKD", char.translate(_APOSTROPHES)):
            if unicodedata.combining(piece):
                continue
            for folded in piece.casefold():
                if not (folded.isalnum() or folded in _KEEP):
                    folded = " "
                if folded == " " and (not out or out[-1] == " "):
                    continue
                out.append(folded)
                where.append(index)
    while out and out[-1] == " ":
        out.pop()
        where.pop()
    return "".join(out), where


def normalize(text: str) -> str:
    return normalize_with_map(text)[0]


_PUNCT = re.compile(r"[^\w']+|_")


def title_key(title: str) -> str:
    """The form a title is indexed and matched under (fast for plain ASCII titles)."""
    if not title.isascii():
        decomposed = unicodedata.normalize("NFKD", title.translate(_APOSTROPHES))
        title = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_PUNCT.sub(" ", title.casefold()).split())


ARTICLE = r"^(?:the|an?|les?|la|l'|une?|des|el|il|die|der|das)(?: |(?<=')(?=.))"
_ARTICLE = re.compile(ARTICLE)


def strip_article(key: str) -> str:
    stripped = _ARTICLE.sub("", key, count=1)
    return stripped or key


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_BULK_PUNCT = re.compile(r"[^\w'\n ]+|_+")
_SPACES = re.compile(r"  +")
_EDGES = re.compile(r"^ +| +$", re.MULTILINE)
_REPLACE = [("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'"), ("ʼ", "'"), ("œ", "oe"),
            ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae")]


def fold_many(titles: list[str]) -> list[str]:
    """`title_key` of every title, in bulk: one pass of each C routine over all of them."""
    text = "\n".join(titles)
    if text.count("\n") != len(titles) - 1:  # a title holding a newline: make it a space
        text = "\n".join(t.replace("\n", " ") for t in titles)
    for old, new in _REPLACE:
        if old in text:
            text = text.replace(old, new)
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()
    text = _EDGES.sub("", _SPACES.sub(" ", _BULK_PUNCT.sub(" ", text)))
    return text.split("\n") if titles else []


# --------------------------------------------------------------------------- genres

GENRES: dict[str, tuple[str, ...]] = {
    "Action": ("action", "action movie*", "film* d'action", "actioner*", "baston"),
    "Adventure": ("adventure*", "aventure*", "film* d'aventure*"),
    "Animation": ("animation", "animated", "cartoon*", "anime*", "dessin* anime*",
                  "film* d'animation", "pixar", "ghibli"),
    "Comedy": ("comedy", "comedies", "comedie*", "comique*", "funny", "humour", "humor",
               "drole*", "marrant*", "rigolo*", "hilarious", "comedie dramatique"),
    "Crime": ("crime*", "gangster*", "polar*", "policier*", "film* noir*", "mafia", "mob",
              "mobster*", "yakuza"),
    "Documentary": ("documentary", "documentaries", "documentaire*", "docu*", "doc*"),
    "Drama": ("drama*", "drame*", "dramatique*", "dramatic"),
    "Family": ("family", "families", "famille*", "familia*", "for kids", "kids",
               "pour enfants", "pour les enfants", "en famille", "children"),
    "Fantasy": ("fantasy", "fantasies", "fantastique*", "heroic fantasy"),
    "History": ("history", "historical", "histoire", "historique*", "period drama*",
                "film* d'epoque", "biopic*"),
    "Horror": ("horror", "horreur", "epouvante", "slasher*", "gore", "film* d'horreur"),
    "Music": ("music", "musical*", "musique*", "musicaux", "comedie* musicale*"),
    "Mystery": ("mystery", "mysteries", "mystere*", "whodunit*", "enigme*",
                "detective stor*", "murder myster*"),
    "Romance": ("romance*", "romantic", "romantique*", "romcom*", "rom com*", "rom-com*",
                "love stor*", "histoire* d'amour", "comedie* romantique*", "sentimental*"),
    "Science Fiction": ("science fiction", "science-fiction", "sci-fi", "sci fi", "scifi",
                        "sf", "space opera*"),
    "TV Movie": ("tv movie*", "telefilm*", "made for tv"),
    "Thriller": ("thriller*", "suspense", "film* a suspense"),
    "War": ("war", "war movie*", "war film*", "guerre", "film* de guerre"),
    "Western": ("western*", "cowboy*", "far west", "far-west"),
}

# --------------------------------------------------------------------------- moods

# A mood only picks genres (overviews seldom say "feel-good", so no keyword filter).
MOODS: dict[str, tuple[str, ...]] = {
    "Comedy": ("feel good", "feel-good", "feelgood", "uplifting", "cheerful", "lighthearted",
               "light-hearted", "cozy", "cosy", "make me laugh", "to laugh", "a laugh",
               "qui fait du bien", "qui font du bien", "bonne humeur", "reconfortant*",
               "cocooning", "pour rire", "faire rire", "me faire rire", "leger*", "legere*",
               "fun", "amusant*"),
    "Horror": ("scary", "scare me", "frightening", "creepy", "spooky", "terrifying",
               "fait peur", "font peur", "faire peur", "flippant*", "terrifiant*",
               "effrayant*", "angoissant*", "halloween"),
    "Drama": ("sad", "tearjerker*", "tear-jerker*", "make me cry", "to cry", "moving",
              "touching", "triste*", "emouvant*", "touchant*", "pleurer", "poignant*"),
    "Romance": ("date night", "in love", "amoureux", "amoureuse*", "soiree en amoureux"),
    "Thriller": ("tense", "gripping", "edge of my seat", "nail-biting", "haletant*",
                 "tendu*", "prenant*", "palpitant*"),
    "Adventure": ("epic", "epique*", "grand spectacle", "escapism", "evasion"),
    "Mystery": ("mind-bending", "mind bending", "plot twist*", "twist*", "puzzle*",
                "casse-tete", "retournement*"),
    "Action": ("adrenaline", "adrenaline-fueled", "explosive", "explosion*", "bagarre*"),
    "Family": ("with the kids", "with my kids", "avec les enfants", "avec mes enfants"),
}

# --------------------------------------------------------------------------- themes

# Theme words: an English keyword (TMDB `/search/keyword`, or cached overviews) and the
# genre they suggest when the request names none.
THEMES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "heist": ("Crime", ("heist*", "braquage*", "cambriolage*", "bank robber*")),
    "haunted": ("Horror", ("haunted", "haunting", "hante*", "maison* hantee*")),
    "ghost": ("Horror", ("ghost*", "fantome*", "spirit*", "esprit*")),
    "zombie": ("Horror", ("zombie*", "mort* vivant*", "undead")),
    "vampire": ("Horror", ("vampire*",)),
    "werewolf": ("Horror", ("werewolf", "werewolves", "loup* garou*")),
    "serial killer": ("Thriller", ("serial killer*", "tueur* en serie")),
    "time travel": ("Science Fiction", ("time travel*", "voyage* dans le temps",
                                        "voyager dans le temps", "time machine*")),
    "space": ("Science Fiction", ("space", "outer space", "espace", "spatial*",
                                  "astronaut*", "astronaute*", "planete*", "planet*")),
    "alien": ("Science Fiction", ("alien*", "extraterrestre*", "extra-terrestre*", "ovni*",
                                  "ufo*")),
    "robot": ("Science Fiction", ("robot*", "android*", "androide*", "cyborg*")),
    "artificial intelligence": ("Science Fiction", ("artificial intelligence",
                                                    "intelligence* artificielle*")),
    "dystopia": ("Science Fiction", ("dystopia*", "dystopie*", "dystopique*",
                                     "dystopian")),
    "post-apocalyptic": ("Science Fiction", ("post apocalyptic", "post-apocalyptic",
                                             "post apocalyptique*", "apocalypse*",
                                             "fin du monde")),
    "cyberpunk": ("Science Fiction", ("cyberpunk",)),
    "dinosaur": ("Adventure", ("dinosaur*", "dinosaure*")),
    "shark": ("Horror", ("shark*", "requin*")),
    "pirate": ("Adventure", ("pirate*",)),
    "treasure": ("Adventure", ("treasure*", "tresor*", "chasse au tresor")),
    "dragon": ("Fantasy", ("dragon*",)),
    "magic": ("Fantasy", ("magic", "magie", "magique*", "wizard*", "sorcier*")),
    "witch": ("Horror", ("witch*", "sorciere*")),
    "superhero": ("Action", ("superhero*", "super hero*", "super-hero*", "super heros",
                             "super-heros", "super-heroine*")),
    "spy": ("Thriller", ("spy", "spies", "espion*", "espionnage", "secret agent*",
                         "agent secret*")),
    "martial arts": ("Action", ("martial arts", "arts martiaux", "kung fu", "kung-fu",
                                "karate")),
    "samurai": ("Action", ("samurai*", "samourai*")),
    "revenge": ("Thriller", ("revenge", "vengeance*", "venger")),
    "prison": ("Drama", ("prison*", "prisoner*", "prisonnier*", "jail")),
    "murder": ("Mystery", ("murder*", "meurtre*", "assassinat*")),
    "detective": ("Mystery", ("detective*", "enquete*", "enqueteur*", "inspecteur*",
                              "investigation*")),
    "world war ii": ("War", ("world war ii", "world war 2", "ww2", "wwii",
                             "seconde guerre mondiale", "deuxieme guerre mondiale",
                             "39-45")),
    "christmas": ("Family", ("christmas", "xmas", "noel")),
    "wedding": ("Comedy", ("wedding*", "mariage*")),
    "road trip": ("Adventure", ("road trip*", "road movie*", "road-movie*")),
    "survival": ("Thriller", ("survival", "survie", "survivre")),
    "friendship": ("Drama", ("friendship*", "amitie*")),
    "coming of age": ("Drama", ("coming of age", "coming-of-age", "adolescen*",
                                "passage a l'age adulte", "teenager*")),
    "high school": ("Comedy", ("high school", "lycee", "college movie*")),
    "sport": ("Drama", ("sport*", "football", "soccer", "basketball", "boxing", "boxe",
                        "boxer*", "boxeur*")),
    "dog": ("Family", ("dog", "dogs", "chien*", "puppy", "puppies")),
    "drug": ("Crime", ("drug*", "drogue*", "cartel*")),
    "virus": ("Thriller", ("virus", "epidemic", "pandemic", "epidemie*", "pandemie*")),
}

# --------------------------------------------------------------------------- languages

LANGUAGES: dict[str, tuple[str, ...]] = {
    "fr": ("french", "francais*", "france", "in french", "en francais", "frenchie*"),
    "en": ("english", "anglais*", "american*", "americain*", "british", "britannique*",
           "hollywood", "in english", "en anglais"),
    "ko": ("korean*", "coreen*", "coree", "korea", "south korean*", "sud-coreen*"),
    "ja": ("japanese", "japonais*", "japan", "japon"),
    "it": ("italian*", "italien*", "italy", "italie"),
    "es": ("spanish", "espagnol*", "spain", "espagne", "mexican*", "mexicain*",
           "hispani*", "en espagnol"),
    "de": ("german*", "allemand*", "germany", "allemagne"),
    "hi": ("indian*", "indien*", "hindi", "bollywood", "india", "inde"),
    "zh": ("chinese", "chinois*", "china", "chine", "mandarin"),
    "cn": ("cantonese", "cantonais*", "hong kong", "hong-kong", "hongkongais*"),
    "ru": ("russian*", "russe*", "russia", "russie", "soviet*", "sovietique*"),
    "sv": ("swedish", "suedois*", "sweden", "suede"),
    "da": ("danish", "danois*", "denmark", "danemark"),
    "no": ("norwegian*", "norvegien*", "norway", "norvege"),
    "pt": ("portuguese", "portugais*", "brazilian*", "bresilien*", "brazil", "bresil"),
    "tr": ("turkish", "turc", "turcs", "turque*", "turkey", "turquie"),
    "fa": ("iranian*", "iranien*", "persian*", "persan*", "iran"),
    "th": ("thai", "thailandais*", "thailand", "thailande"),
    "pl": ("polish", "polonais*", "poland", "pologne"),
}

LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "fr": ("French", "français"), "en": ("English", "anglais"), "ko": ("Korean", "coréen"),
    "ja": ("Japanese", "japonais"), "it": ("Italian", "italien"), "es": ("Spanish", "espagnol"),
    "de": ("German", "allemand"), "hi": ("Hindi", "hindi"), "zh": ("Chinese", "chinois"),
    "cn": ("Cantonese", "cantonais"), "ru": ("Russian", "russe"), "sv": ("Swedish", "suédois"),
    "da": ("Danish", "danois"), "no": ("Norwegian", "norvégien"),
    "pt": ("Portuguese", "portugais"), "tr": ("Turkish", "turc"), "fa": ("Persian", "persan"),
    "th": ("Thai", "thaï"), "pl": ("Polish", "polonais"),
}  # fmt: skip

# --------------------------------------------------------------------------- small words

DECADE_WORDS: dict[str, int] = {
    "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960, "seventies": 1970,
    "eighties": 1980, "nineties": 1990, "noughties": 2000,
}  # fmt: skip

NUMBER_WORDS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twenty": 20, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "vingt": 20,
}  # fmt: skip

ORDINALS: dict[str, int] = {
    "first": 1, "1st": 1, "premier": 1, "premiere": 1, "1er": 1, "1re": 1, "1ere": 1,
    "second": 2, "2nd": 2, "deuxieme": 2, "seconde": 2, "2e": 2, "2eme": 2,
    "third": 3, "3rd": 3, "troisieme": 3, "3e": 3, "3eme": 3,
    "fourth": 4, "4th": 4, "quatrieme": 4, "4e": 4, "4eme": 4,
    "fifth": 5, "5th": 5, "cinquieme": 5, "5e": 5, "5eme": 5,
    "sixth": 6, "6th": 6, "sixieme": 6, "6e": 6,
    "seventh": 7, "7th": 7, "septieme": 7, "eighth": 8, "8th": 8, "huitieme": 8,
    "ninth": 9, "9th": 9, "neuvieme": 9, "tenth": 10, "10th": 10, "dixieme": 10,
    "last": -1, "dernier": -1, "derniere": -1,
}  # fmt: skip

# Politeness and filler dropped around a request ("please", "stp", "the movie").
FILLER = re.compile(
    r"(?<![a-z0-9])(?:please|pls|plz|thanks|thank you|merci|s'il te plait|s'il vous plait|"
    r"stp|svp|hey|hi|hello|ok|okay|bonjour|salut|coucou|dis|dites|alors|euh|um|uh)"
    r"(?![a-z0-9])"
)
