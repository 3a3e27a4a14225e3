"""language: keep the configured languages, identified offline with langid.

langid (Lui & Baldwin 2012) ships its naive-Bayes model inside the package (no download) and,
with `norm_probs=True`, gives probabilities normalised over its 97 languages. Those are badly
over-confident on short texts: on 4,000 SST-2 phrases (all English) it calls 1% of them another
language at p >= 0.9 ('a wooden delivery' -> nl 0.996), and on the demo tweets names push it
off course ('Wanna go to Coachella soo bad' -> it 0.99998). So langid judges only the
lower-case words of a text (no URLs, mentions, hashtags or capitalised names), and a document
is dropped only when at least `min_words` (6) such words remain and langid is at least
`min_probability` (0.999) sure of a language outside `keep`. Shorter texts are recorded as
'und' (undetermined) and kept. Measured with these defaults: 20 of SST-2's 67,349 training
phrases (0.03%, all English) would be dropped; at 0.99 without the name rule, the demo lost 259
tweets, most of them English.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from sentiflow.tasks.curate.config import LanguageConfig
from sentiflow.tasks.curate.step import Doc, DocumentStep, Verdict

UNDETERMINED = "und"
OTHER_LANGUAGE = "other_language"

# What says nothing about the language: URLs, mentions, hashtags, placeholders, 'RT', digits
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|<(?:url|user|email|phone)>|\bRT\b|[^\w\s'.,!?-]|\d|_")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from langid.langid import LanguageIdentifier, model

    return LanguageIdentifier.from_modelstring(model, norm_probs=True)


# langid's 97 languages, spelled out so validating a config does not load the model (seconds);
# a test checks this list against the model.
LANGID_LANGUAGES = frozenset(
    (
        "af am an ar as az be bg bn br bs ca cs cy da de dz el en eo es et eu fa fi fo fr ga gl gu he hi hr "
        "ht hu hy id is it ja jv ka kk km kn ko ku ky la lb lo lt lv mg mk ml mn mr ms mt nb ne nl nn no oc "
        "or pa pl ps pt qu ro ru rw se si sk sl sq sr sv sw ta te th tl tr ug uk ur vi vo wa xh zh zu"
    ).split()
)


def known_languages() -> frozenset[str]:
    """The ISO 639-1 codes langid can identify."""
    return LANGID_LANGUAGES


def language_text(text: str) -> str:
    """The words langid should judge: no URLs, mentions, hashtags, symbols or capitalised words.

    Capitalised words are mostly names, and names mislead it ('Coachella' reads as Italian,
    'Deutsche Bank' as German); the lower-case words carry the language.
    """
    return " ".join(w for w in _NOISE.sub(" ", text).split() if not w[:1].isupper())


def classify_many(texts: list[str]) -> list[tuple[str, float]]:
    """langid's `classify` for many texts with one sparse matrix product instead of one per text.

    langid's per-text `np.dot` of a 7,480-feature vector with its (7,480 x 97) model dominated
    curation time; the feature extraction (`instance2fv`) stays langid's own.
    """
    if not texts:
        return []
    ident = _identifier()
    rows, cols, counts = [], [], []
    for i, text in enumerate(texts):
        fv = ident.instance2fv(text)
        nz = np.flatnonzero(fv)
        rows.append(np.full(len(nz), i))
        cols.append(nz)
        counts.append(fv[nz])
    features = csr_matrix(
        (np.concatenate(counts).astype(np.float64), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), ident.nb_numfeats),
    )
    scores = features @ ident.nb_ptc + ident.nb_pc  # log P(text, language), as nb_classprobs
    scores -= scores.max(axis=1, keepdims=True)  # normalised probabilities, as norm_probs
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    return [(str(ident.nb_classes[b]), float(probs[i, b])) for i, b in enumerate(best)]


class LanguageFilter(DocumentStep):
    """Sets `doc.language`; drops texts confidently identified as a language not kept."""

    name = "language"

    def __init__(self, config: LanguageConfig = LanguageConfig()) -> None:
        super().__init__()
        self.config = config
        self.keep = frozenset(config.keep)

    def identify_many(self, texts: list[str]) -> list[tuple[str, float | None]]:
        """(language, probability) per text; ('und', None) when too short to judge."""
        cleaned = [language_text(t) for t in texts]
        judged = [i for i, t in enumerate(cleaned) if len(t.split()) >= max(self.config.min_words, 1)]
        out: list[tuple[str, float | None]] = [(UNDETERMINED, None)] * len(texts)
        for i, answer in zip(judged, classify_many([cleaned[i] for i in judged])):
            out[i] = answer
        return out

    def filter_batch(self, docs: list[Doc]) -> list[Verdict]:
        for doc, (lang, probability) in zip(docs, self.identify_many([d.text for d in docs])):
            doc.language, doc.language_probability = lang, probability
        return [self.filter(doc) for doc in docs]

    def filter(self, doc: Doc) -> Verdict:
        if doc.language is None:
            doc.language, doc.language_probability = self.identify_many([doc.text])[0]
        self.count(f"lang:{doc.language}")
        if not self.keep or doc.language == UNDETERMINED or doc.language in self.keep:
            return True
        if doc.language_probability is not None and doc.language_probability >= self.config.min_probability:
            return False, OTHER_LANGUAGE
        self.count("kept_uncertain")
        return True
