"""What a citizen's question or appointment is about: the topic codes of the sites file
(storage's TOPICS) with the labels every flow shows for them."""

from __future__ import annotations

from typing import Annotated

from flows.button_codec import OneOf
from flows.i18n import N_, _
from storage.site_schema import TOPICS

OTHER = "other"
TOPIC_LABELS = {
    "taxonweb": N_("📄 Tax-on-web / MyMinfin"),
    "itsme": N_("🔑 itsme"),
    "eid": N_("🪪 eID and card reader"),
    "ebanking": N_("🏦 Online banking"),
    "burgerprofiel": N_("🏛️ Mijn Burgerprofiel / eBox"),
    "email": N_("✉️ E-mail"),
    "smartphone": N_("📱 Smartphone or tablet"),
    "jobs": N_("💼 Looking for work (VDAB)"),
    "health": N_("🩺 Health insurance app"),
    OTHER: N_("❓ Something else"),
}
assert set(TOPIC_LABELS) == set(TOPICS)
# The topic codes, as a button field (flows.button_codec).
Topic = Annotated[str, OneOf(TOPICS)]


def topic_name(topic: str) -> str:
    """The label of a topic in the current language (an unknown code: "something else")."""
    return _(TOPIC_LABELS.get(topic, TOPIC_LABELS[OTHER]))
