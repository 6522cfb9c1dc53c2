"""Request patterns of the built-in assistant (normalized text, English and French).

Each pattern that names a movie has a group `t` (the title as typed). Statuses are the
tools' values: `seen`, `later`, `not_interested`, `none` (unmark).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

T = r"(?P<t>.+?)"
_POLITE = r"(?:\s+(?:please|pls|stp|svp|s'il te plait|s'il vous plait))?"
_END = _POLITE + r"\s*[.!?]*$"


class Patterns:
    """Request patterns compiled on first use (compiling them all cost ~40 ms at import,
    on every `mydw chat -m`); `triggers`, when given, are words one of which the request
    must hold for these patterns to be tried at all."""

    def __init__(self, patterns: tuple[str, ...], triggers: str = "") -> None:
        self._sources = patterns
        self._compiled: list[re.Pattern[str]] | None = None
        self.triggers = frozenset(triggers.split())

    def relevant(self, text: str) -> bool:
        return not self.triggers or not self.triggers.isdisjoint(re.split(r"[ ,.!?:;]+", text))

    def __iter__(self) -> Iterator[re.Pattern[str]]:
        if self._compiled is None:
            self._compiled = [re.compile("^" + p + _END) for p in self._sources]
        return iter(self._compiled)


def _p(*patterns: str, triggers: str = "") -> Patterns:
    return Patterns(patterns, triggers)


_VERBS = "mark set flag put marque marquer mets mettre note noter passe"


_SEEN_WORDS = r"(?:seen|watched|viewed|vus?|vues?|deja vue?s?|regardee?s?)"
_LATER_WORDS = (r"(?:later|to watch|watch later|to see|want to see|on my watchlist|"
                r"watchlist|a voir|plus tard|a regarder|a voir plus tard|envie)")
_NI_WORDS = (r"(?:not interested|uninterested|not for me|no interest|pas interessee?s?|"
             r"sans interet|pas pour moi|ignoree?s?|non interessee?s?)")
_NONE_WORDS = r"(?:unseen|unwatched|unmarked|none|non vue?s?|pas vue?s?|rien)"
_LIST = (r"(?:(?:my|the|ma|mes|la)\s+)?(?:watch\s*list|watch-list|list|lists|queue|"
         r"to-watch list|liste|listes|liste a voir|films a voir|envies|marks|movies|films)")

STATUS: list[tuple[str, Patterns]] = [
    ("seen", _p(
        r"(?:mark|set|flag|put)\s+" + T + r"\s+(?:as\s+|to\s+)?" + _SEEN_WORDS,
        r"(?:marque|marquer|mets|mettre|note|noter|passe)\s+" + T
        + r"\s+(?:comme|en|a)\s+" + _SEEN_WORDS,
        r"(?:i'?ve\s+|i\s+)?(?:have\s+|already\s+|just\s+|finally\s+)*(?:watched|seen|saw)\s+"
        + T + r"(?:\s+(?:already|yesterday|last night|today))?",
        r"j'?ai\s+(?:deja\s+|enfin\s+|hier\s+)?(?:vu|regarde|visionne)\s+" + T
        + r"(?:\s+(?:hier|hier soir|ce soir|aujourd'hui))?",
        r"(?:deja vu|vu)\s*:?\s+" + T,
        T + r"\s*:\s*" + _SEEN_WORDS,
    triggers=_VERBS + (
        " watched seen saw j'ai j'ai vu deja viewed regarde regardee vus vue"
        " vues"))),
    ("later", _p(
        r"(?:mark|set|flag|put)\s+" + T + r"\s+(?:as\s+|to\s+)?" + _LATER_WORDS,
        r"(?:marque|marquer|mets|mettre|note|noter|passe)\s+" + T
        + r"\s+(?:comme|en)\s+" + _LATER_WORDS,
        r"(?:add|put|save|queue|keep)\s+" + T + r"\s+(?:to|on|in|into)\s+" + _LIST,
        r"(?:add|save|keep|bookmark)\s+" + T + r"\s+for later",
        r"(?:add|bookmark)\s+" + T,
        r"(?:remind me to|i should|i must|i need to)\s+(?:watch|see)\s+" + T,
        r"(?:watch|see)\s+" + T + r"\s+later",
        r"(?:ajoute|ajouter|rajoute|mets|mettre|garde|note|enregistre)\s+" + T
        + r"\s+(?:a|dans|sur|en)\s+" + _LIST + r"(?:\s+a voir)?",
        r"(?:ajoute|ajouter|rajoute|mets|garde)\s+" + T + r"\s+(?:de cote|pour plus tard|a voir)",
        r"(?:ajoute|rajoute)\s+" + T,
        r"(?:rappelle-moi de|il faut que je|je dois)\s+(?:voir|regarder)\s+" + T,
        r"a voir\s*:\s*" + T,
        T + r"\s*:\s*(?:later|a voir|plus tard)",
    triggers=_VERBS + (
        " add put save queue keep bookmark remind should must need watch see"
        " ajoute ajouter rajoute garde enregistre rappelle-moi faut dois a later"
        " plus"))),
    ("not_interested", _p(
        r"(?:mark|set|flag|put)\s+" + T + r"\s+(?:as\s+|to\s+)?" + _NI_WORDS,
        r"(?:marque|marquer|mets|mettre|note|noter|passe)\s+" + T
        + r"\s+(?:comme|en)\s+" + _NI_WORDS,
        r"(?:i'?m\s+|i am\s+)?not interested (?:in|by)\s+" + T,
        r"(?:i\s+)?(?:don'?t|do not|never)\s+(?:want to|wanna)\s+(?:see|watch)\s+" + T,
        r"(?:hide|skip|ignore|never (?:show|suggest|recommend)(?: me)?)\s+" + T + r"(?: again)?",
        T + r"\s+(?:is\s+)?not for me",
        r"(?:je\s+)?(?:ne\s+)?(?:suis\s+)?pas\s+interessee?s?\s+par\s+" + T,
        r"(?:je\s+)?(?:ne\s+)?(?:suis\s+)?pas\s+interessee?s?\s+(?::\s*)?" + T,
        T + r"\s+(?:ne\s+)?m'interesse pas",
        r"(?:je ne veux pas|je veux pas|pas envie de)\s+(?:voir|regarder)\s+" + T,
        r"(?:masque|cache|ignore|ne me propose plus|ne me propose jamais)\s+" + T,
        r"pas pour moi\s*:?\s+" + T,
    triggers=_VERBS + (
        " not interested i'm don't dont do never hide skip ignore pas interesse"
        " interessee interesses interessees m'interesse veux masque cache ne"))),
    ("none", _p(
        r"(?:mark|set|flag|put)\s+" + T + r"\s+(?:as\s+|to\s+)?" + _NONE_WORDS,
        r"(?:remove|delete|take|drop|clear)\s+" + T + r"\s+(?:from|off|out of)\s+" + _LIST,
        r"(?:unmark|forget|clear|remove|delete)\s+" + T,
        r"(?:marque|marquer|mets|mettre|passe)\s+" + T + r"\s+(?:comme|en)\s+" + _NONE_WORDS,
        r"(?:retire|retirer|enleve|enlever|supprime|supprimer|vire|virer|efface|effacer)\s+"
        + T + r"\s+(?:de|des|du)\s+" + _LIST,
        r"(?:demarque|demarquer|oublie|oublier|retire|retirer|enleve|enlever|supprime|"
        r"supprimer|efface)\s+" + T,
    triggers=_VERBS + (
        " remove delete take drop clear unmark forget retire retirer enleve"
        " enlever supprime supprimer vire virer efface effacer demarque"
        " demarquer oublie oublier"))),
]

# Verbs after which a request for a *kind* of film, not a title, is likely.
WANT = re.compile(r"^(?:i (?:want|would like|'d like)|je (?:veux|voudrais|aimerais))\s+to?\s*")

TITLE = _p(
    r"(?:tell|talk to|show)\s+(?:me|us)\s+(?:more\s+)?about\s+" + T,
    r"what(?:'s| is| was)\s+" + T + r"\s+about",
    r"what about\s+" + T,
    r"(?:info|infos|information|details|facts|summary|synopsis|plot)\s+(?:on|about|for|of)\s+"
    + T,
    r"what do you (?:think|know) (?:of|about)\s+" + T,
    r"(?:is|was)\s+" + T + r"\s+(?:any )?good",
    r"(?:have you heard of|do you know|describe|look up|lookup)\s+" + T,
    r"(?:parle|parlez|raconte|racontez)[- ]?(?:moi|nous)?\s+(?:un peu\s+)?(?P<de>de la|de l'|"
    r"du|des|de|d')\s*" + T,
    r"(?:c'est quoi|qu'est-ce que c'est que|qu'est ce que c'est que|qu'est-ce que|"
    r"qu'est ce que)\s+" + T,
    r"(?:que|qu')\s*(?:penses|pensez)[- ]?(?:tu|vous)\s+(?P<de>de la|de l'|du|des|de|d')\s*"
    + T,
    r"(?:infos?|informations|details|fiche|resume|synopsis)\s+(?:sur|de|du|d'|a propos de)\s*"
    + T,
    r"(?:tu connais|connais-tu|vous connaissez|connaissez-vous)\s+" + T,
)

SEARCH = _p(
    r"(?:search for|search|look for|look up|find me|find|cherche-moi|cherche|chercher|"
    r"recherche|rechercher|trouve-moi|trouve)\s+(?:the\s+(?:movie|film)\s+|le film\s+|"
    r"a movie called\s+|un film (?:qui s'appelle|intitule)\s+)?" + T,
)

_TAIL = (r"(?:\s*,?\s*(?:what (?:else|should i watch|do you recommend|now)|any (?:ideas|"
         r"suggestions)|quoi d'autre|tu (?:me )?conseilles quoi|et ensuite|une idee|"
         r"des idees|que (?:me )?conseilles-tu|tu proposes quoi))?")
SIMILAR = _p(
    r"(?:.*\s)?(?:movies?|films?|something|anything|stuff|others?|more|titles?|picks?)\s+"
    r"(?:just\s+|a bit\s+|kind of\s+)?(?:like|similar to|such as)\s+" + T + _TAIL,
    r"(?:like|similar to)\s+" + T + _TAIL,
    r"(?:.*\s)?(?:if|since|because)\s+i\s+(?:liked|loved|enjoyed)\s+" + T + _TAIL,
    r"(?:.*\s)?(?:films?|quelque chose|truc|trucs|autres?|d'autres)\s+(?:un peu\s+)?comme\s+"
    + T + _TAIL,
    r"comme\s+" + T + _TAIL,
    r"(?:.*\s)?(?:similaires?|semblables?|proches?|pareils?)\s+(?:a|de|au|du)\s+" + T + _TAIL,
    r"(?:.*\s)?dans le (?:genre|style|meme genre|meme style) (?:de|du|d')\s*" + T + _TAIL,
    r"(?:.*\s)?du meme genre que\s+" + T + _TAIL,
    r"(?:.*\s)?qui (?:ressembl(?:e|ent|erait|eraient)) (?:a|au)\s+" + T + _TAIL,
    r"(?:.*\s)?(?:j'ai|j'avais)\s+(?:aime|adore|kiffe)\s+" + T
    + r"\s*,?\s*(?:quoi d'autre|tu (?:me )?conseilles quoi|et ensuite|une idee|"
    r"que (?:me )?conseilles-tu|tu proposes quoi)",
    # One of these words is in every request above (sparing the others their compiling).
    triggers="like similar such liked loved enjoyed comme similaire similaires semblable "
             "semblables proche proches pareil pareils genre style ressemble ressemblent "
             "ressemblerait ressembleraient aime adore kiffe",
)

HELP = re.compile(
    r"^(?:/?help|/?aide|\?|h|what can you do|what do you do|how does (?:this|it) work|"
    r"how do i use (?:this|you)|que sais-tu faire|que sais tu faire|tu sais faire quoi|"
    r"qu'est-ce que tu sais faire|qu'est ce que tu sais faire|que peux-tu faire|"
    r"que peux tu faire|comment (?:ca|tu) (?:marche|fonctionne)s?|commandes|commands|"
    r"menu|hello|hi|hey|bonjour|salut|coucou|aide-moi|aide moi|help me)" + _END)

MORE = re.compile(
    r"^(?:(?:show|give|find)\s+(?:me\s+)?)?(?:some\s+|any\s+|a few\s+)?(?:more|next|others?|"
    r"other ones|next page|keep going|continue|encore|d'autres|autres|d'autre|la suite|suite|"
    r"suivants?|plus|page suivante|montre-m'en d'autres|montre m'en d'autres|"
    r"donne-m'en d'autres|d'autres idees|autre chose)"
    r"(?:\s+(?:movies|films|please|stp|svp|une?|like (?:this|that|these)|comme ca|"
    r"propositions|suggestions|idees|ideas|encore))*" + _END)

CANCEL = re.compile(
    r"^(?:none|neither|none of them|cancel|never ?mind|forget it|no|nope|aucun|aucune|"
    r"ni l'un ni l'autre|annule|laisse tomber|non|rien|aucun des deux)" + _END)

# --------------------------------------------------------------------------- own lists

STATS = re.compile(r"(?<![a-z])(?:how many|combien|stats|statistics|statistiques|"
                   r"count|nombre de|total)(?![a-z])")
_MINE_CUES = re.compile(
    r"(?<![a-z])(?:my|mes|ma|mon|i've|i have|have i|did i|ive|j'ai|ai-je|ai je|"
    r"qu'ai-je|que j'ai|i (?:watched|saw|rated|marked))(?![a-z])")
MINE_STATUS: list[tuple[str, re.Pattern[str]]] = [
    ("not_interested", re.compile(
        r"(?<![a-z])(?:not interested|uninterested|rejected|pas interessee?s?|"
        r"sans interet|ignores?|rejetes?|ne m'interessent pas)(?![a-z])")),
    ("later", re.compile(
        r"(?<![a-z])(?:watch\s*list|watch-list|to watch|to see|later|queue|liste a voir|"
        r"a voir|a regarder|plus tard|envies|ma liste|my list|on my list|dans ma liste)"
        r"(?![a-z])")),
    ("seen", re.compile(
        r"(?<![a-z])(?:seen|watched|saw|vus?|vues?|regardes?|regardees?|visionnes?)"
        r"(?![a-z])")),
]
_MINE_NOUNS = re.compile(r"(?<![a-z])(?:list|lists|watchlist|watch list|movies|films|liste|"
                         r"listes|marks|history|historique|collection|stats|statistics|statistiques)(?![a-z])")


def mine_cue(text: str) -> bool:
    """The request is about the user's own movies ("my watchlist", "films que j'ai vus")."""
    return bool(_MINE_CUES.search(text)) and bool(
        _MINE_NOUNS.search(text) or any(p.search(text) for _, p in MINE_STATUS))


def mine_status(text: str) -> str | None:
    for status, pattern in MINE_STATUS:
        if pattern.search(text):
            return status
    return None


RECOMMEND = re.compile(
    r"(?<![a-z])(?:recommend|suggest|suggestion|propose|proposes|conseille|conseilles|"
    r"recommande|recommandes|idea|idee|what should i watch|what to watch|quoi regarder|"
    r"que regarder|a movie|a film|some movies|un film|des films|something|quelque chose|"
    r"tonight|ce soir|watch|regarder|voir)(?![a-z])")
