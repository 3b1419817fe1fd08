"""Free text outside a flow: find what the person asks for, in any supported language.

People write in any of our languages whatever language they chose, so every intent is
matched against the words of all languages. Spelling slips are tolerated on longer words.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from functools import cache

# Intent → words, per language. Earlier intents win when a message matches several.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "person": {
        "nl": (
            "mens",
            "persoon",
            "iemand",
            "medewerker",
            "digibuddy",
            "spreken",
            "praten",
            "bellen",
            "echte persoon",
            "met iemand",
        ),
        "fr": ("personne", "humain", "quelqu'un", "conseiller", "parler", "appeler", "agent"),
        "en": ("person", "human", "someone", "somebody", "agent", "talk", "speak", "call"),
        "ar": ("شخص", "موظف", "انسان", "إنسان", "تحدث", "اتكلم", "أتحدث", "التحدث"),
        "tr": ("kişi", "insan", "biri", "birisi", "görevli", "konuşmak", "konuşabilir"),
        "uk": ("людина", "людиною", "оператор", "працівник", "поговорити", "зателефонувати"),
    },
    "book": {
        "nl": ("afspraak", "afspraken", "reserveren", "boeken", "inschrijven", "begeleiding"),
        "fr": ("rendez-vous", "rdv", "réserver", "reserver", "réservation", "accompagnement"),
        "en": ("appointment", "appointments", "book", "booking", "reserve", "coaching"),
        "ar": ("موعد", "مواعيد", "حجز", "أحجز", "احجز"),
        "tr": ("randevu", "rezervasyon", "randevu almak"),
        "uk": ("запис", "записатися", "зустріч", "забронювати"),
    },
    "find": {
        "nl": (
            "waar",
            "digibank",
            "digipunt",
            "adres",
            "dichtbij",
            "buurt",
            "dichtste",
            "locatie",
            "zoeken",
        ),
        "fr": ("où", "adresse", "près", "proche", "trouver", "plus proche"),
        "en": ("where", "near", "nearest", "address", "location", "find", "close to"),
        "ar": ("أين", "اين", "عنوان", "قريب", "الأقرب", "مكان"),
        "tr": ("nerede", "adres", "yakın", "yakındaki", "en yakın", "konum"),
        "uk": ("де", "адреса", "поруч", "найближчий", "найближче", "знайти"),
    },
    "privacy": {
        "nl": ("privacy", "gegevens", "data", "wissen", "verwijderen"),
        "fr": ("vie privée", "données", "confidentialité", "supprimer", "effacer"),
        "en": ("privacy", "data", "delete", "erase"),
        "ar": ("خصوصية", "الخصوصية", "بيانات", "بياناتي", "حذف"),
        "tr": ("gizlilik", "veri", "veriler", "verilerim", "silmek", "sil"),
        "uk": ("конфіденційність", "приватність", "дані", "видалити"),
    },
    "language": {
        "nl": ("taal", "andere taal"),
        "fr": ("langue",),
        "en": ("language",),
        "ar": ("لغة", "اللغة"),
        "tr": ("dil", "dili"),
        "uk": ("мова", "мову", "мови"),
    },
    "help": {
        "nl": ("help", "hulp", "helpen", "uitleg", "hoe werkt"),
        "fr": ("aide", "aider", "aidez", "comment ça marche"),
        "en": ("help", "how does", "explain"),
        "ar": ("مساعدة", "ساعدني", "مساعده", "ساعد"),
        "tr": ("yardım", "yardim", "nasıl"),
        "uk": ("допомога", "допоможіть", "допомогти", "допомоги"),
    },
    "home": {
        "nl": ("menu", "begin", "start", "terug", "hallo", "dag", "goeiedag", "hoi"),
        "fr": ("menu", "début", "retour", "bonjour", "salut"),
        "en": ("menu", "start", "home", "back", "hello", "hi"),
        "ar": ("قائمة", "القائمة", "مرحبا", "السلام", "البداية"),
        "tr": ("menü", "menu", "başla", "merhaba", "selam"),
        "uk": ("меню", "почати", "назад", "привіт", "вітаю"),
    },
    "thanks": {
        "nl": ("dank", "bedankt", "merci", "dankjewel", "dank u"),
        "fr": ("merci",),
        "en": ("thanks", "thank you", "thx"),
        "ar": ("شكرا", "شكراً", "شكر"),
        "tr": ("teşekkür", "teşekkürler", "sağol", "sağ ol"),
        "uk": ("дякую", "спасибі"),
    },
}

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_ARABIC_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي"})
MAX_CHARS = 500  # longer messages are not commands: look at the start only


def normalise(text: str) -> str:
    """Case, accents, Arabic letter variants and invisible marks folded away."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_CHARS].casefold())
    kept = "".join(
        ch
        for ch in decomposed
        if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf"
    )
    return kept.translate(_ARABIC_FORMS)


@cache
def _index() -> tuple[tuple[str, frozenset[str], tuple[str, ...]], ...]:
    """Per intent: single words (for word and fuzzy match) and phrases (substring match)."""
    entries = []
    for intent, languages in KEYWORDS.items():
        words = {normalise(w) for ws in languages.values() for w in ws if " " not in w}
        phrases = tuple(normalise(w) for ws in languages.values() for w in ws if " " in w)
        entries.append((intent, frozenset(words), phrases))
    return tuple(entries)


def match_intent(text: str) -> str | None:
    """The intent a short message asks for, or None."""
    folded = normalise(text)
    tokens = _WORD.findall(folded)
    if not tokens:
        return None
    for intent, words, phrases in _index():
        if any(token in words for token in tokens) or any(p in folded for p in phrases):
            return intent
    for intent, words, _phrases in _index():
        long_words = [w for w in words if len(w) >= 5]
        for token in tokens:
            if len(token) >= 5 and difflib.get_close_matches(token, long_words, n=1, cutoff=0.8):
                return intent
    return None


_POSTCODE_ONLY = re.compile(r"^\s*\d{4}\s*$")


def is_postcode(text: str) -> bool:
    return bool(_POSTCODE_ONLY.match(text))
