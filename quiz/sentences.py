"""An article's text as paragraphs and sentences, and finding a quoted text among them.

Pure functions: no database. `split` is what every save of an article runs (admin,
`load_bank`, `import_bank`); `reconcile` says which stored sentences an edited text keeps;
`resolve` turns a quoted text into the sentences it is, or says how it differs from the
nearest one.

Sentence boundaries come from sentencex (Wikimedia's segmenter, on PyPI, maintained, no
data to download at run time). It gets right what news text needs and what regular
expressions and Punkt without trained data get wrong: abbreviations (Mr., Gen., U.S., p.m.,
No. 5), initials (J. R. R. Tolkien), and a quotation that ends a sentence inside its
closing quote (‘a traitor.’ Others…), which pysbd misses. Its gaps we met are handled
here: a lowercase word ending a sentence before a name ("The answer was no. Russia
left."), a sentence closed inside brackets ("(… the ministry.) The city fell."), a closing
bracket it leaves at the start of the next sentence ("… fell.) Then", which would make a
sentence of ")" alone at the end of a paragraph), and "…" ending a sentence, which it
treats unlike "...".
"""

from __future__ import annotations

import difflib
import random
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sentencex

# A whole sentence closed inside brackets, then the next sentence.
_CLOSED_IN_BRACKETS = re.compile(r"(?<=[.!?][)\]])\s+(?=[\"“‘'(\[]?[A-Z0-9])")
# An ellipsis character then a capital: a new sentence, as sentencex already takes "...".
_AFTER_ELLIPSIS = re.compile(r"(?<=…)\s+(?=[\"“‘'(\[]?[A-Z])")
# A lowercase word and a full stop, then a capital: sentencex matches its abbreviations
# whatever their case, so "The answer was no. Russia left." and "…told me. Putin…" stayed
# one sentence ("no" for "No.", "me" for "Me.", also "may", "art", "con", "miss"…). In news
# text the abbreviations that may stand before a name are capitalised (Mr., Gen., St.);
# these few are the lowercase ones.
_LOWER_WORD_END = re.compile(r"\b([a-z]{2,})\.\s+(?=[\"“‘'(\[]?[A-Z])")
_LOWERCASE_ABBREVIATIONS = {"al", "approx", "ca", "cf", "esp", "etc", "incl", "pp", "viz", "vs"}
# Closing brackets or quotes sentencex put at the start of the next piece: they end this one.
_LEADING_CLOSERS = re.compile(r"^[)\]”’\"']+(?=\s|$)")
# Words a caption uses of its picture, and a line with no closing punctuation: captions in
# the articles we take are lines like "Russia captured Kherson back in March (pictured) …"
# or "General Sergei Surovikin (left) has announced …", without a full stop.
_PICTURE_WORDS = re.compile(
    r"\((?:pictured|left|right|centre|center|above|below|top|bottom|inset)\)"
    r"|\b(?:is|are|was|were) pictured\b",
    re.IGNORECASE,
)
_ENDS_SENTENCE = re.compile(r"[.!?…][\"”’')\]]*$")


@dataclass(frozen=True)
class Piece:
    """One sentence of a text as split: its paragraph (1-based) and whether it is a caption."""

    paragraph: int
    text: str
    is_caption: bool = False


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: its non-blank lines, trimmed. A line with no letter or digit
    (a stray `>` left by copying from an e-mail, a row of dashes) is not a paragraph."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return [line for line in lines if any(ch.isalnum() for ch in line)]


def is_caption(paragraph: str, sentence_count: int = 1) -> bool:
    """Whether a paragraph is a picture caption: it does not end as a sentence does, or it is
    one sentence that speaks of a picture. A paragraph of several sentences that mentions
    "(pictured)" is body text: kept whole as a caption, its sentences could not be cited."""
    if not _ENDS_SENTENCE.search(paragraph):
        return True
    return sentence_count == 1 and bool(_PICTURE_WORDS.search(paragraph))


def split_paragraph(paragraph: str) -> list[str]:
    sentences: list[str] = []
    for segment in sentencex.segment("en", paragraph):
        closers = _LEADING_CLOSERS.match(segment)
        if closers and sentences and sentences[-1] == sentences[-1].rstrip():
            sentences[-1] += closers.group()
            segment = segment[closers.end() :]
        for part in _CLOSED_IN_BRACKETS.split(segment):
            for piece in _AFTER_ELLIPSIS.split(part):
                sentences.extend(_after_lowercase_words(piece))
    return [s.strip() for s in sentences if s.strip()]


def _after_lowercase_words(text: str) -> list[str]:
    pieces, start = [], 0
    for found in _LOWER_WORD_END.finditer(text):
        if found.group(1) not in _LOWERCASE_ABBREVIATIONS:
            pieces.append(text[start : found.end()])
            start = found.end()
    return [*pieces, text[start:]]


def split(text: str) -> list[Piece]:
    """Every sentence of the text in order. A caption is kept whole as one piece."""
    pieces = []
    for number, paragraph in enumerate(paragraphs(text), 1):
        sentences = split_paragraph(paragraph)
        if is_caption(paragraph, len(sentences)):
            pieces.append(Piece(number, paragraph, is_caption=True))
        else:
            pieces.extend(Piece(number, sentence) for sentence in sentences)
    return pieces


def join(texts: Iterable[str]) -> str:
    """Sentences quoted together, as a student reads them."""
    return " ".join(texts)


def reconcile(old: Sequence[tuple[int, str]], new: Sequence[str]) -> list[int | None]:
    """For each new sentence, the id of the old sentence it keeps, or None for a new one.

    `old` is (id, text) in the article's former order, retired sentences after current
    ones. A sentence keeps its id as long as its text is unchanged, wherever it moves; a text
    that occurs several times pairs its occurrences in order.
    """
    free: dict[str, list[int]] = defaultdict(list)
    for ident, text in old:
        free[text].append(ident)
    return [free[text].pop(0) if free.get(text) else None for text in new]


@dataclass(frozen=True)
class Mismatch:
    """A quoted text that is not a sentence (or run of sentences) of the article."""

    nearest: str
    at: int  # index of the first character where the quote and `nearest` differ
    hint: str
    partial: bool = False  # the quote is part of `nearest`, give or take lookalikes
    separate: bool = False  # the quote is whole sentences of the article, but not a run

    def message(self, quoted: str) -> str:
        if self.partial:
            return (
                f"This is only part of a sentence of the article, “{self.nearest}”: "
                "cite whole sentences."
            )
        if not self.nearest:
            return self.hint or (
                "This is not a sentence of the article, and no sentence of it is close: "
                "check that it is quoted from this article."
            )
        if self.separate:
            return (
                "These are sentences of the article, but not one right after another "
                "in it: cite each sentence on its own."
            )
        got = _show(quoted, self.at)
        want = _show(self.nearest, self.at)
        several = len(split_paragraph(self.nearest)) > 1
        text = (
            "This is not a sentence of the article. "
            f"The nearest {'sentences are' if several else 'sentence is'} “{self.nearest}”; "
            f"they differ from character {self.at + 1}: {got} where the article has {want}."
        )
        return f"{text} {self.hint}" if self.hint else text


_LOOKALIKES = [
    (set("'’‘`´"), "Curly and straight apostrophes or quotes differ: the article's are kept."),
    (set('"“”„'), "Curly and straight quotation marks differ: the article's are kept."),
    (set("-–—‑"), "Hyphens and dashes differ (- – —): copy the article's."),
    (set(" \u00a0\t\n"), "Spaces differ (a double space, a non-breaking space or a line break)."),
]


def _show(text: str, at: int) -> str:
    if at >= len(text):
        return "the end"
    ch = text[at]
    names = {" ": "a space", "\u00a0": "a non-breaking space", "\n": "a line break"}
    return names.get(ch, f"“{ch}”")


def first_difference(a: str, b: str) -> int:
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return min(len(a), len(b))


def _hint(a: str, b: str, at: int) -> str:
    pair = {a[at : at + 1], b[at : at + 1]}
    if "" in pair:
        return ""  # one simply goes on further than the other
    for group, hint in _LOOKALIKES:
        if len(pair) == 2 and pair <= group:
            return hint
    spaces, hint = _LOOKALIKES[-1]
    # Only spacing differs: not a letter or mark added or missing beside a space.
    return hint if pair & spaces and a.split() == b.split() else ""


def resolve(quoted: str, sentences: Sequence[str]) -> list[int] | Mismatch:
    """The places (0-based, in `sentences`) of the sentence or run of consecutive sentences
    the quote is, or how it differs from the nearest one."""
    quoted = quoted.strip()
    starts: dict[str, list[int]] = defaultdict(list)
    for index, sentence in enumerate(sentences):
        starts[sentence].append(index)
    if quoted in starts:
        return [starts[quoted][0]]
    for start, sentence in enumerate(sentences):
        if not quoted.startswith(sentence):
            continue
        run, length = [start], len(sentence)
        for index in range(start + 1, len(sentences)):
            length += 1 + len(sentences[index])
            if length > len(quoted):
                break
            run.append(index)
            if length == len(quoted):
                if join(sentences[i] for i in run) == quoted:
                    return run
                break
    parts = split_paragraph(quoted)
    if len(parts) > 1 and all(part in starts for part in parts):
        first = starts[parts[0]][0]
        run = join(sentences[first : first + len(parts)])
        if run.split() != quoted.split():
            return Mismatch(nearest=parts[0], at=0, hint="", separate=True)
        # The right sentences, spaced otherwise (a line break, two spaces) than they are joined.
        at = first_difference(quoted, run)
        return Mismatch(nearest=run, at=at, hint=_hint(quoted, run, at))
    for start, sentence in enumerate(sentences):
        if quoted.startswith(sentence) and len(quoted) > len(sentence):
            # A run whose first sentence is right: the slip is in a later one, so compare
            # the quote with the run of the same length.
            run = min(
                (join(sentences[start:end]) for end in range(start + 2, len(sentences) + 1)),
                key=lambda run: abs(len(run) - len(quoted)),
                default=sentence,
            )
            at = first_difference(quoted, run)
            return Mismatch(nearest=run, at=at, hint=_hint(quoted, run, at))
    return nearest(quoted, sentences)


def nearest(quoted: str, sentences: Sequence[str]) -> Mismatch:
    """The sentence most like the quote, and where they part."""
    if not sentences:
        return Mismatch(nearest="", at=0, hint="The article has no sentences.")
    ratio, best = max(
        (difflib.SequenceMatcher(None, quoted, s, autojunk=False).ratio(), s) for s in sentences
    )
    at = first_difference(quoted, best)
    hint = _hint(quoted, best, at)
    plain, whole = _plain(quoted), _plain(best)
    # Part of the sentence, not the sentence short of its last stop or quote mark.
    partial = plain in whole and any(ch.isalnum() for ch in whole.replace(plain, "", 1))
    if not partial and ratio < UNLIKE:
        return Mismatch(nearest="", at=0, hint="")
    return Mismatch(nearest=best, at=at, hint=hint, partial=partial)


# Below this likeness (difflib's ratio) the nearest sentence is no help: the quote is not a
# slip of copying but another text, perhaps from another article.
UNLIKE = 0.5


def _plain(text: str) -> str:
    """The text with the usual lookalikes made one: to see a quote's sentence through them."""
    for group, _ in _LOOKALIKES[:3]:
        text = re.sub("[" + re.escape("".join(group)) + "]", min(group), text)
    return " ".join(text.split())


# A passage offers at least this many sentences where the article has them, in a window of
# at most 2 * PASSAGE_REACH + 1 paragraphs around each cited one: news is written a sentence
# to a paragraph, and a passage of the cited paragraph alone would be the answer to its search.
PASSAGE_SENTENCES = 5
PASSAGE_REACH = 2


def passage(
    sentences: Sequence[Sequence[Any]], cited: Collection[int], *, rng: random.Random | None = None
) -> list[Sequence[Any]]:
    """A question's passage, what a student reads to find (or pick) the evidence: of an
    article's `sentences` ([id, text, paragraph, …] in order), those of the paragraphs the
    `cited` ones stand in and of the paragraphs around them, in a window one paragraph wider
    either side at a time (kept inside the article), until it holds `PASSAGE_SENTENCES`
    sentences or spans 2 * `PASSAGE_REACH` + 1 paragraphs. Empty if none is cited.

    With `rng` (an attempt's) the window slides by a random step within its reach, so that
    the evidence is not always in its middle; without, it is centred (previews, bank checks).
    The one rule, whether the sentences come from the database or a bank file's split."""
    by_paragraph: dict[int, list[Sequence[Any]]] = defaultdict(list)
    for sentence in sentences:
        by_paragraph[sentence[2]].append(sentence)
    holding = {sentence[2] for sentence in sentences if sentence[0] in cited}
    if not holding:
        return []
    first, last = min(by_paragraph), max(by_paragraph)
    shown: set[int] = set()
    for reach in range(PASSAGE_REACH + 1):
        shift = rng.randint(-reach, reach) if rng is not None else 0
        shown = set()
        for p in holding:
            # 2 * reach + 1 paragraphs from `start`, holding p, inside the article where it
            # is long enough (a window past its end would only be shorter).
            start = max(first, min(p + shift - reach, last - 2 * reach))
            shown |= {n for n in range(start, start + 2 * reach + 1) if n in by_paragraph}
        if sum(len(by_paragraph[p]) for p in shown) >= PASSAGE_SENTENCES:
            break
    return [sentence for p in sorted(shown) for sentence in by_paragraph[p]]
