"""The fixed list of notice categories, each mapped to the EU Transparency Database's statement category
(and, where one fits, its keyword), plus the words readers see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

NoticeCategory = Literal[
    "illegal_hate_speech",
    "incitement_to_violence",
    "terrorist_content",
    "child_sexual_abuse",
    "defamation",
    "privacy_violation",
    "intellectual_property",
    "scam_or_fraud",
    "other_illegal",
]


@dataclass(frozen=True, slots=True)
class Category:
    label: str
    eu_category: str
    eu_keyword: str | None = None


CATEGORIES: Final[dict[str, Category]] = {
    "illegal_hate_speech": Category(
        "Illegal hate speech", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_HATE_SPEECH"
    ),
    "incitement_to_violence": Category(
        "Incitement to violence", "STATEMENT_CATEGORY_VIOLENCE", "KEYWORD_INCITEMENT_VIOLENCE_HATRED"
    ),
    "terrorist_content": Category(
        "Terrorist content", "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", "KEYWORD_TERRORIST_CONTENT"
    ),
    "child_sexual_abuse": Category(
        "Child sexual abuse material", "STATEMENT_CATEGORY_PROTECTION_OF_MINORS", "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL"
    ),
    "defamation": Category("Defamation", "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", "KEYWORD_DEFAMATION"),
    "privacy_violation": Category(
        "Violation of privacy or personal data", "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"
    ),
    "intellectual_property": Category(
        "Intellectual property infringement",
        "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "KEYWORD_COPYRIGHT_INFRINGEMENT",
    ),
    "scam_or_fraud": Category("Scam or fraud", "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"),
    "other_illegal": Category("Other illegal content", "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"),
}

# Own-initiative decisions on the site's terms: the moderators' reason codes and the pipeline's rule codes,
# mapped to the nearest EU category. Anything not listed is a breach of the community guidelines.
TERMS_EU_CATEGORY: Final[dict[str, str]] = {
    "hate_speech": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "abusive": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "offensive": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "toxicity": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "personal_information": "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "misinformation": "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "spam": "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
}
DEFAULT_TERMS_EU_CATEGORY: Final = "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE"


def eu_category_for(category: str | None, terms_rule: str | None) -> str:
    if category in CATEGORIES:
        return CATEGORIES[category].eu_category
    return TERMS_EU_CATEGORY.get(terms_rule or "", DEFAULT_TERMS_EU_CATEGORY)
