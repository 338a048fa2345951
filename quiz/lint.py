"""Bank lint: what makes a bank easy to game or weak to learn from, though it loads fine.

`bank_lint` reads the banks once into plain data (`Bank`, a fixed number of queries whatever
their size); the checks are pure functions of that data, each returning `Finding`s that name
the questions as `article-slug/question-key`. Nothing here refuses a bank: `validate_bank`
prints the findings as warnings, and fails on them only with `--strict`.

The statistical checks ask whether a pattern is more than chance would make, with an exact
binomial test, and whether it is large enough to pay a student who guesses by it; see
`_beats_chance`.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from quiz import grading, models, sentences
from quiz.grading.base import format_decimal

# The kinds some checks single out (every other rule reads what the question holds).
ONE_RIGHT_OF_SEVERAL = frozenset({grading.SINGLE})  # position and length of the right choice
# Its answer, "True" or "False", says nothing of what the question is about.
ANSWER_SAYS_NOTHING = frozenset({grading.TRUE_FALSE})


@dataclass(frozen=True)
class Choice:
    text: str
    is_correct: bool
    match: str = ""


@dataclass(frozen=True)
class Item:
    """A question as the checks read it."""

    ref: str  # "article-slug/question-key"
    article: str
    kind: str
    prompt: str
    explanation: str
    choices: tuple[Choice, ...] = ()  # in position order
    accepted: tuple[str, ...] = ()
    numeric_answer: Decimal | None = None
    cited: tuple[int, ...] = ()  # sentence ids, in citation order
    evidence: str = ""  # the cited sentences' text
    needs_review: bool = False  # a sentence it cites was changed: new attempts leave it out
    draw_group: str = ""  # a drawn attempt asks at most one question of a group

    @property
    def right_choices(self) -> list[Choice]:
        return [c for c in self.choices if c.is_correct]

    def answer_texts(self) -> list[str]:
        """The right answer as text: the right choices; an ordering's or matching's items (none
        is marked right: all of them, in their places, are the answer); the accepted answers;
        the number."""
        texts = [c.text for c in self.right_choices]
        if self.choices and not texts:
            texts = [part for c in self.choices for part in (c.text, c.match) if part]
        texts += self.accepted
        if self.numeric_answer is not None:
            texts.append(format_decimal(self.numeric_answer))
        return texts


@dataclass(frozen=True)
class QuizItems:
    slug: str
    shuffle_choices: bool
    items: tuple[Item, ...]  # in the quiz's order
    shuffle_questions: bool = False
    feedback_each: bool = True  # feedback after each question, not only at the end
    draw_count: int | None = None


@dataclass(frozen=True)
class Bank:
    items: tuple[Item, ...]
    quizzes: tuple[QuizItems, ...] = ()


@dataclass(frozen=True)
class Finding:
    check: str  # a key of CHECKS
    where: str  # "quiz <slug>", "bank <article-slug>" or the question
    message: str
    questions: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


# The checks, in the order they are reported, with the heading each group is printed under.
CHECKS = {
    "review": "Questions needing review: a sentence they cite was changed or removed",
    "pool": "Quizzes that cannot ask what they promise while questions wait for review",
    "position": "The right choice sits at one position (quizzes that do not shuffle choices)",
    "longest": "The right choice is the longest far more often than chance",
    "duplicate": "Questions that cite the same sentences with the same answer",
    "explanation": "Explanations that add nothing to the prompt, the answer and the cited text",
    "giveaway": "Questions that give away another question of the same quiz",
}


def bank_lint(*, article_slugs: Iterable[str] | None = None) -> list[Finding]:
    """Every lint finding on the banks in the database: all, or the articles named."""
    return lint(bank_read(article_slugs=article_slugs))


# What to do about each, printed under its heading.
ADVICE = {
    "review": "New attempts leave these out. Re-pick or confirm their evidence in the admin "
    "(Questions needing review), or give it in the bank file and load it again.",
    "pool": "Students get fewer questions than the quiz page says until they are reviewed.",
    "position": "Turn on the quiz's choice shuffling, or move the right choices about.",
    "longest": "Make the wrong choices as long and as specific as the right one.",
    "duplicate": "Keep one of each pair, or make them ask different things.",
    "explanation": "Say why the answer is right in words that teach something the question "
    "and the quote do not already say.",
    "giveaway": "Reword the part named, or keep the two questions in different quizzes.",
}


def review_findings(bank: Bank) -> list[Finding]:
    """Questions an article edit left needing review, and the quizzes they leave short."""
    findings = [
        Finding("review", item.ref, "cites a sentence the article no longer has", (item.ref,))
        for item in bank.items
        if item.needs_review
    ]
    for quiz in bank.quizzes:
        waiting = [item.ref for item in quiz.items if item.needs_review]
        askable = len(quiz.items) - len(waiting)
        wanted = quiz.draw_count or len(quiz.items)
        if waiting and askable < wanted:
            findings.append(
                Finding(
                    "pool",
                    f"quiz {quiz.slug}",
                    f"asks {wanted} question(s) but can draw only {askable} while "
                    f"{', '.join(waiting)} wait for review",
                    tuple(waiting),
                )
            )
    return findings


def lint(bank: Bank) -> list[Finding]:
    return [
        *review_findings(bank),
        *position_findings(bank.quizzes),
        *longest_findings(bank.items),
        *duplicate_findings(bank.items),
        *explanation_findings(bank.items),
        *giveaway_findings(bank.quizzes),
    ]


def bank_read(*, article_slugs: Iterable[str] | None = None) -> Bank:
    """The banks as plain data, in six queries whatever their size: rows as tuples, not
    model instances, which would cost seconds on a bank of 10,000 questions."""
    questions = models.Question.objects.all()
    quizzes = models.Quiz.objects.all()
    if article_slugs is not None:
        slugs = list(article_slugs)
        questions = questions.filter(article__slug__in=slugs)
        quizzes = quizzes.filter(article__slug__in=slugs)
    choices: dict[int, list[Choice]] = defaultdict(list)
    for question_id, text, is_correct, match in (
        models.Choice.objects.filter(question__in=questions)
        .order_by("question", "position")
        .values_list("question", "text", "is_correct", "match")
    ):
        choices[question_id].append(Choice(text, is_correct, match))
    accepted: dict[int, list[str]] = defaultdict(list)
    for question_id, text in (
        models.AcceptedAnswer.objects.filter(question__in=questions)
        .order_by("question", "pk")
        .values_list("question", "text")
    ):
        accepted[question_id].append(text)
    cited: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for question_id, sentence_id, text in (
        models.Citation.objects.filter(question__in=questions)
        .order_by("question", "position")
        .values_list("question", "sentence", "sentence__text")
    ):
        cited[question_id].append((sentence_id, text))
    items = {
        pk: Item(
            ref=f"{slug}/{key}",
            article=slug,
            kind=kind,
            prompt=prompt,
            explanation=explanation,
            choices=tuple(choices[pk]),
            accepted=tuple(accepted[pk]),
            numeric_answer=numeric_answer,
            cited=tuple(sentence_id for sentence_id, _ in cited[pk]),
            evidence=sentences.join(text for _, text in cited[pk]),
            needs_review=needs_review,
            draw_group=draw_group,
        )
        for pk, slug, key, kind, prompt, explanation, numeric_answer, needs_review, draw_group in (
            questions.order_by("article__slug", "key").values_list(
                "pk",
                "article__slug",
                "key",
                "kind",
                "prompt",
                "explanation",
                "numeric_answer",
                "needs_review",
                "draw_group",
            )
        )
    }
    members: dict[int, list[Item]] = defaultdict(list)
    for quiz_id, question_id in (
        models.QuizQuestion.objects.filter(quiz__in=quizzes)
        .order_by("quiz", "position")
        .values_list("quiz", "question")
    ):
        if question_id in items:
            members[quiz_id].append(items[question_id])
    return Bank(
        items=tuple(items.values()),
        quizzes=tuple(
            QuizItems(
                slug,
                shuffle_choices,
                tuple(members[pk]),
                shuffle_questions=shuffle_questions,
                feedback_each=feedback != models.Feedback.AT_END,
                draw_count=draw_count,
            )
            for pk, slug, shuffle_choices, shuffle_questions, feedback, draw_count in (
                quizzes.order_by("slug").values_list(
                    "pk", "slug", "shuffle_choices", "shuffle_questions", "feedback", "draw_count"
                )
            )
        ),
    )


# Chance -------------------------------------------------------------------------------------

# One-sided significance level of every statistical check, before the Bonferroni correction
# for the positions tested together: 1 bank in 100 drawn at random would be flagged.
ALPHA = 0.01
# And the pattern must pay: guessing by it must beat a blind guess by half again (40% right
# where 1 in 4 is chance needs 40/25 = 1.6 ≥ 1.5). A large bank makes even a slight bias
# significant; one that gains a guesser little is not worth a warning.
MIN_LIFT = 1.5


def binomial_tail(hits: int, n: int, p: float) -> float:
    """P(X ≥ hits) for X ~ Binomial(n, p), exactly (summed in logs, O(n))."""
    if hits <= 0:
        return 1.0
    if hits > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(j + 1)
        - math.lgamma(n - j + 1)
        + j * log_p
        + (n - j) * log_q
        for j in range(hits, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _beats_chance(hits: int, chances: Sequence[float], tests: int = 1) -> tuple[bool, float]:
    """Whether `hits` successes in trials of these chances are more than chance makes, and
    the p-value. The trials' chances differ (a question of 3 choices, one of 4): the count is
    Poisson-binomial, and by Hoeffding (1956) its upper tail beyond the mean + 1 is at most
    the binomial tail at their mean chance, so the binomial test is conservative."""
    n = len(chances)
    if n == 0:
        return False, 1.0
    chance = sum(chances) / n
    p_value = binomial_tail(hits, n, chance)
    return (p_value < ALPHA / tests and hits / n >= MIN_LIFT * chance), p_value


def _share(hits: int, chances: Sequence[float], p_value: float) -> str:
    return (
        f"{hits} of its {len(chances)} single-choice questions "
        f"({sum(chances):.1f} expected by chance)"
    )


def _one_right(item: Item) -> bool:
    return (
        item.kind in ONE_RIGHT_OF_SEVERAL
        and len(item.choices) >= 2
        and len(item.right_choices) == 1
    )


def _right_place(item: Item) -> int:
    return next(n for n, c in enumerate(item.choices, 1) if c.is_correct)


# (a) position ------------------------------------------------------------------------------


def position_findings(quizzes: Iterable[QuizItems]) -> list[Finding]:
    """A quiz that shows choices in their set order, whose single-choice questions have their
    right choice at one place more often than chance (a student picks that place blind)."""
    findings = []
    for quiz in quizzes:
        if quiz.shuffle_choices:
            continue
        items = [item for item in quiz.items if _one_right(item)]
        places = max((len(item.choices) for item in items), default=0)
        for place in range(1, places + 1):
            # each question with at least `place` choices could have its right one there
            asked = [item for item in items if len(item.choices) >= place]
            chances = [1 / len(item.choices) for item in asked]
            hits = [item.ref for item in asked if _right_place(item) == place]
            flagged, p_value = _beats_chance(len(hits), chances, tests=places)
            if flagged:
                findings.append(
                    Finding(
                        "position",
                        f"quiz {quiz.slug}",
                        f"the right choice is choice {place} in "
                        f"{_share(len(hits), chances, p_value)}: {', '.join(hits)}",
                        tuple(hits),
                    )
                )
    return findings


# (b) longest -------------------------------------------------------------------------------


def longest_findings(items: Iterable[Item]) -> list[Finding]:
    """A bank (an article's questions) whose single-choice questions have their right choice
    strictly the longest more often than chance: a student picks the longest blind. Counted
    per bank, not per quiz, since the choices' lengths are the same in every quiz and shuffling
    does not hide them. A tie for longest gives nothing away and does not count."""
    by_article: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if _one_right(item):
            by_article[item.article].append(item)
    findings = []
    for article, asked in by_article.items():
        hits = []
        for item in asked:
            lengths = sorted((len(c.text.strip()) for c in item.choices), reverse=True)
            right = len(item.right_choices[0].text.strip())
            if right == lengths[0] > lengths[1]:
                hits.append(item.ref)
        chances = [1 / len(item.choices) for item in asked]
        flagged, p_value = _beats_chance(len(hits), chances)
        if flagged:
            findings.append(
                Finding(
                    "longest",
                    f"bank {article}",
                    f"the right choice is the longest in {_share(len(hits), chances, p_value)}: "
                    f"{', '.join(hits)}",
                    tuple(hits),
                )
            )
    return findings


# (c) duplicates ----------------------------------------------------------------------------


def _answer_keys(item: Item) -> set[tuple]:
    """What the question's answer is, as keys equal for two questions with the same answer
    (as grading compares text); a short answer question has one per accepted answer."""
    if item.kind in ANSWER_SAYS_NOTHING:
        return set()
    norm = grading.normalise_text
    keys: set[tuple] = set()
    right = item.right_choices
    if len(right) == 1:
        keys.add(("text", norm(right[0].text)))
    elif right:
        keys.add(("set", frozenset(norm(c.text) for c in right)))
    elif any(c.match for c in item.choices):
        keys.add(("pairs", frozenset((norm(c.text), norm(c.match)) for c in item.choices)))
    elif item.choices:
        keys.add(("order", tuple(norm(c.text) for c in item.choices)))
    keys |= {("text", norm(text)) for text in item.accepted}
    if item.numeric_answer is not None:
        keys.add(("text", format_decimal(item.numeric_answer)))
    return keys


def duplicate_findings(items: Sequence[Item]) -> list[Finding]:
    """Questions citing the same sentences whose answers are the same: one question asked
    twice. Grouped through a dict of (sentences, answer), so linear in the bank's size."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple, int] = {}
    for i, item in enumerate(items):
        if not item.cited:
            continue
        for key in _answer_keys(item):
            j = first.setdefault((item.article, frozenset(item.cited), key), i)
            parent[root(i)] = root(j)
    groups: dict[int, list[Item]] = defaultdict(list)
    for i in range(len(items)):
        groups[root(i)].append(items[i])
    findings = []
    for group in groups.values():
        if len(group) > 1:
            refs = tuple(item.ref for item in group)
            findings.append(
                Finding(
                    "duplicate",
                    f"bank {group[0].article}",
                    f"{', '.join(refs)} cite the same sentences and have the same answer",
                    refs,
                )
            )
    return findings


# (d) explanations --------------------------------------------------------------------------

# Words that carry no content: function words, and the words every explanation uses to point
# at its source or its answer ("the article says the answer is …").
_STOP_WORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself
    according answer article correct choice question right say said sentence state stated
    report reported text true false
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+")
_NUMBER_GROUPS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


def _stem(word: str) -> str:
    """Light stemming: plural and third-person 's' ("says" is "say", "countries" "country")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """The content words of a text, in order: lower-case word tokens (numbers as written,
    without thousands separators), stemmed, without stop words or a lone letter (the 's' of
    "Putin’s")."""
    found = []
    for token in _WORD.findall(text.casefold()):
        if token[0].isdigit():
            found.append(token.replace(",", "") if _NUMBER_GROUPS.match(token) else token)
        elif len(token) > 1 and token not in STOP_WORDS:
            stem = _stem(token)
            if stem not in STOP_WORDS:
                found.append(stem)
    return found


def content_words(text: str) -> set[str]:
    return set(words(text))


def explanation_findings(items: Iterable[Item]) -> list[Finding]:
    """An explanation every content word of which is already in the prompt, the right
    answer or the cited text: it restates the question instead of saying why."""
    findings = []
    for item in items:
        known = content_words(" ".join([item.prompt, *item.answer_texts(), item.evidence]))
        if not content_words(item.explanation) - known:
            findings.append(
                Finding(
                    "explanation",
                    item.ref,
                    "its explanation adds no word to the prompt, the answer and the cited text",
                    (item.ref,),
                )
            )
    return findings


# (e) give-aways ----------------------------------------------------------------------------


def _phrase(text: str) -> str:
    return f" {' '.join(words(text))} "


def _distinctive(answer: str) -> bool:
    """An answer that names something, so that finding it elsewhere gives it away: two
    content words or more ("Sergei Shoigu", "the Dnipro river"), a number of two digits or
    more ("45", "3.5"), or a name: a word with a capital that is not just the first of a
    longer answer ("Kherson", "the Donbas"; not "In just a few days"). A single common word
    ("retreat") or a small number ("3") turns up in questions by chance."""
    found = words(answer)
    if len(found) >= 2:
        return True
    if len(found) != 1:
        return False
    if found[0][0].isdigit():
        return sum(c.isdigit() for c in found[0]) >= 2
    tokens = _WORD.findall(answer)
    return any(
        token[:1].isupper() and words(token) and (n > 0 or len(tokens) == 1)
        for n, token in enumerate(tokens)
    )


@dataclass
class _Shown:
    """What a question shows, as content-word phrases to search answers in."""

    prompt: str
    items: list[str]  # an ordering's or matching's items, on its page
    explanation: str  # in its feedback
    right: list[tuple[str, str]]  # its right choices, in its feedback: (normalised, phrase)
    vocabulary: set[str]


def _shown(item: Item) -> _Shown:
    right = [(grading.normalise_text(c.text), _phrase(c.text)) for c in item.right_choices]
    items = [] if right else [_phrase(p) for c in item.choices for p in (c.text, c.match) if p]
    prompt, explanation = _phrase(item.prompt), _phrase(item.explanation)
    vocabulary = set(prompt.split()) | set(explanation.split())
    for phrase in [*items, *(phrase for _, phrase in right)]:
        vocabulary |= set(phrase.split())
    return _Shown(prompt, items, explanation, right, vocabulary)


def giveaway_answers(item: Item) -> list[str]:
    """The answers another question could give away: a single-choice question's right
    choice, the accepted answers and the number of a short-answer or numeric question."""
    if item.kind in ANSWER_SAYS_NOTHING or (item.choices and item.kind not in ONE_RIGHT_OF_SEVERAL):
        return []
    texts = [c.text for c in item.right_choices] if len(item.right_choices) == 1 else []
    texts += item.accepted
    if item.numeric_answer is not None:
        texts.append(format_decimal(item.numeric_answer))
    return [text for text in dict.fromkeys(texts) if _distinctive(text)]


def giveaway_findings(quizzes: Iterable[QuizItems]) -> list[Finding]:
    """A question that shows the answer of another question of the same quiz before that one
    is answered (answers are given in order and are final): in its prompt or its ordering's or
    matching's items, or, when the quiz gives feedback after each question, in its
    explanation or its right choice; and not in that question's own prompt. In a quiz that
    draws, two questions of one draw group are never asked together. It can come first
    when the quiz shuffles its questions or puts it first. A right choice that the other
    question also offers names a candidate that question shows anyway, and is not counted.

    An answer that many of the quiz's questions show (more than a tenth of them and more than
    3; any shown by more than 50) is the quiz's subject, not a secret ("Kherson" in a quiz on
    Kherson), and is skipped. That also bounds the work: each question's words are indexed
    once, and an answer is compared with at most 50 questions, not with every question of a
    large quiz."""
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}
    quizzes_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    seen: dict[str, _Shown] = {}  # a question in several quizzes is read once
    for quiz in quizzes:
        shown = [
            seen.get(item.ref) or seen.setdefault(item.ref, _shown(item)) for item in quiz.items
        ]
        index: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(shown):
            for word in s.vocabulary:
                index[word].append(i)
        limit = min(50, max(3, len(quiz.items) // 10))
        for j, answered in enumerate(quiz.items):
            offered = {grading.normalise_text(c.text) for c in answered.choices}
            for answer in giveaway_answers(answered):
                phrase = _phrase(answer)
                if phrase in shown[j].prompt:
                    continue
                rarest = min((index.get(word, []) for word in phrase.split()), key=len)
                if len(rarest) > limit:
                    continue
                for i in rarest:
                    if i == j or (i > j and not quiz.shuffle_questions):
                        continue
                    if quiz.draw_count is not None and _kept_apart(quiz.items[i], answered):
                        continue
                    parts = _showing(shown[i], phrase, offered, feedback=quiz.feedback_each)
                    if parts:
                        pair = (quiz.items[i].ref, answered.ref)
                        found.setdefault(pair, (answer, parts))
                        quizzes_of[pair].add(quiz.slug)
    return [
        Finding(
            "giveaway",
            giver,
            f"its {' and '.join(parts)} {_give(parts)} away the answer "
            f"of {taker}, “{answer}” (in {_quizzes(quizzes_of[giver, taker])})",
            (giver, taker),
        )
        for (giver, taker), (answer, parts) in found.items()
    ]


def _kept_apart(one: Item, other: Item) -> bool:
    """Whether a drawn attempt never asks both: they share a draw group."""
    return bool(one.draw_group) and one.draw_group == other.draw_group


def _give(parts: list[str]) -> str:
    return "give" if len(parts) > 1 or parts == ["items"] else "gives"


def _showing(shown: _Shown, phrase: str, offered: set[str], *, feedback: bool) -> list[str]:
    """The parts of a question that show `phrase`, of those a student sees before answering
    the next question."""
    parts = []
    if phrase in shown.prompt:
        parts.append("prompt")
    if any(phrase in item for item in shown.items):
        parts.append("items")
    if feedback and phrase in shown.explanation:
        parts.append("explanation")
    if feedback and any(phrase in text and norm not in offered for norm, text in shown.right):
        parts.append("right choice")
    return parts


def _quizzes(slugs: set[str]) -> str:
    return ("quiz " if len(slugs) == 1 else "quizzes ") + ", ".join(sorted(slugs))


def report(findings: Sequence[Finding]) -> str:
    """The findings as a readable list, grouped by check."""
    counts = Counter(f.check for f in findings)
    lines = []
    for check, heading in CHECKS.items():
        if counts[check]:
            lines += ["", f"{heading} ({counts[check]}):", f"  {ADVICE[check]}"]
            lines += [f"  - {f}" for f in findings if f.check == check]
    return "\n".join(lines).lstrip("\n")
