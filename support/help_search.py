"""How the Help pages find answers to a question typed in natural words (docs/support.md).

"quando ricevo i soldi" or "por qué no recibí" must find the payout answer although no answer holds
every word: each answer is ranked by how many of the query's meaningful words it holds (the
language's stop words ignored, case and accents folded, a word found by its stem: "ricevo" finds
"ricevere", "recibí" finds "recibido"), the best first; among those holding as many, a word in the
question weighs more than one in the answer, and the word itself more than another word it starts
("delete my account" puts the answer saying "delete your account" before the one saying "deleted").
``static/support/help_filter.js`` ranks the same way as the person types, with the stop words the
page gives it (``data-help-stop``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from django.utils import translation

QUERY_WORDS_MAX = 10
_NOT_A_LETTER = re.compile(r"[\W_]+")


def _listed(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Words that say nothing about what is asked, per language, folded (lower case, no accents). Words
# that carry the question ("paid", "Geld", "soldi", "recibí") never belong here.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _listed(
        """a an the and or but if of to in on at by for with from about into over after before up out
        is are was were be been being am do does did done doing have has had having i me my mine myself
        you your yours we our us he she it its they them their this that these those there here what
        which who whom whose when where why how can could will would shall should may might must get
        gets got getting not no nor so than too very just also any some all each s t don doesn didn
        isn wasn won can cant dont im ive still yet"""
    ),
    "de": _listed(
        """der die das den dem des ein eine einen einem einer eines und oder aber wenn als wie wo wann
        warum was wer wen wem wieso weshalb welche welcher welches welchen ich du er sie es wir ihr
        mich dich sich uns euch mir dir ihm ihn ihnen mein meine meinen meinem meiner meines dein
        deine deinen deinem deiner deines sein seine seinen seinem seiner ihre ihren ihrem ihrer
        unser unsere unseren ist sind war waren bin bist seid habe hast hat haben hatte hatten wird
        werde wirst werden wurde wurden kann kannst konnen konnte muss musst mussen soll sollte
        darf mochte nicht kein keine keinen keinem noch schon auch nur so zu im in am an auf aus
        bei mit nach von vom vor uber unter fur um durch gegen ohne bis zum zur dass da denn ob man
        mal doch ja nein"""
    ),
    "fr": _listed(
        """le la les l un une des du de d et ou mais si que qu qui quoi quand pourquoi comment quel
        quelle quels quelles est sont suis es etes sommes etait ete etre ai as a avons avez ont avait
        je j tu il elle on nous vous ils elles me m te t se s moi toi lui leur leurs mon ma mes ton
        ta tes son sa ses notre nos votre vos ce c cet cette ces ne n pas plus au aux en dans par
        pour sur avec sans sous chez y ca cela ceci peux peut pouvez puis dois doit jamais toujours
        encore deja"""
    ),
    "it": _listed(
        """il lo la i gli le l un uno una di del della dei delle dello degli a al alla ai alle allo agli
        da dal dalla dai dalle in nel nella nei nelle su sul sulla sui per con tra fra e ed o ma se che
        chi cosa come quando perche dove quale quali quanto quanti non mi ti si ci vi ne io tu lui lei
        noi voi loro mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra vostro vostra
        sono sei siamo siete era ho hai ha abbiamo avete hanno posso puoi puo possiamo devo deve
        essere avere gia ancora piu anche solo sempre mai c"""
    ),
    "es": _listed(
        """el la los las lo un una unos unas de del a al en con por para sin sobre entre y e o u pero si
        que quien quienes como cuando donde porque cual cuales cuanto cuanta no ni me te se nos os le
        les mi mis tu tus su sus nuestro nuestra yo ella ellos ellas nosotros usted ustedes es son soy
        eres somos era fue ha he has han hemos hay puedo puede puedes tengo tiene tienes esta estan
        estoy este esto esa eso muy mas ya tambien solo todavia aun nunca"""
    ),
}


def folded(text: object) -> str:
    """Lower case without accents, so "réversé" finds "reverse" and "Über" finds "uber"."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: object) -> list[str]:
    """The words of ``text``, folded: "Qu'est-ce" is "qu", "est", "ce"."""
    return [w for w in _NOT_A_LETTER.split(folded(text)) if w]


def stop_words(language: str | None = None) -> frozenset[str]:
    code = (language or translation.get_language() or "en").split("-")[0]
    return STOP_WORDS.get(code, STOP_WORDS["en"])


def stem(word: str) -> str:
    """The start of a word that its other forms share: "ricevo" and "ricevere" both start with
    "ricev", "recibí" and "recibido" with "recib"; a short word is its own stem."""
    if len(word) <= 4:
        return word
    if len(word) <= 7:
        return word[:-1]
    return word[:-2]


def query_terms(query: str, *, language: str | None = None) -> list[str]:
    """The query's meaningful words, folded, at most ``QUERY_WORDS_MAX``, one a stem ("ricevo
    ricevere" is "ricevo"); none when every word is a stop word ("how") or a single character: that
    asks nothing, and every answer is shown."""
    words = words_of((query or "").replace("\x00", " "))[: QUERY_WORDS_MAX * 3]
    stops = stop_words(language)
    terms: dict[str, str] = {}
    for word in words:
        # A lone letter or digit ("b" of "zzqx<b>", "1" of "-1") starts half the words of every
        # answer: it asks nothing, as a stop word doesn't.
        if word not in stops and len(word) > 1:
            terms.setdefault(stem(word), word)
    return list(terms.values())[:QUERY_WORDS_MAX]


# What a query word weighs where it is found: the word itself above another word it starts
# ("delete" in "delete" above "deleted"), in the question above in the answer.
QUESTION_WORD, QUESTION_PREFIX, ANSWER_WORD, ANSWER_PREFIX = 4, 3, 2, 1


def _weight(word: str, title_words: Sequence[str], text_words: Sequence[str]) -> int:
    term = stem(word)
    if word in title_words:
        return QUESTION_WORD
    if any(w.startswith(term) for w in title_words):
        return QUESTION_PREFIX
    if word in text_words:
        return ANSWER_WORD
    if any(w.startswith(term) for w in text_words):
        return ANSWER_PREFIX
    return 0


def ranked(documents: Sequence[tuple[str, str]], terms: Sequence[str]) -> list[int]:
    """The indexes of ``documents`` ((title, text) pairs) that hold at least one of the query's
    words (``query_terms``), the ones holding the most first, then by where and how they hold them
    (``QUESTION_WORD`` ... ``ANSWER_PREFIX``, summed), then in their order."""
    scores = []
    for index, (title, text) in enumerate(documents):
        title_words = words_of(title)
        text_words = words_of(text)
        weights = [_weight(word, title_words, text_words) for word in terms]
        found = sum(1 for weight in weights if weight)
        if found:
            scores.append((-found, -sum(weights), index))
    return [index for _found, _weight_sum, index in sorted(scores)]
