"""quiz.sentences: splitting an article into sentences and finding a quote among them.

Pure functions: no database. The article's own tricky lines come from the shipped text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from quiz.sentences import Mismatch, Piece, is_caption, join, reconcile, resolve, split

ARTICLE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "articles" / "kherson-withdrawal.txt"
).read_text(encoding="utf-8")

# Spelt as escapes so the tables stay unambiguous.
LSQUO, RSQUO, LDQUO, RDQUO, NDASH = "\u2018", "\u2019", "\u201c", "\u201d", "\u2013"


def texts(text: str) -> list[str]:
    return [piece.text for piece in split(text)]


# split(): the article's own lines ------------------------------------------------------


@pytest.fixture(scope="module")
def article() -> list[Piece]:
    return split(ARTICLE)


def test_the_stray_leading_angle_bracket_line_is_no_paragraph(article):
    assert ARTICLE.startswith(">\n")
    assert article[0] == Piece(
        1,
        f"Russia will retreat from the city of Kherson in the most-humiliating loss yet for "
        f"Putin{RSQUO}s military, Putin{RSQUO}s defence minister has announced.",
    )


def test_the_article_has_37_paragraphs_and_38_pieces_of_which_6_captions(article):
    assert [p.paragraph for p in article] == [1, 2, 3, 3, *range(4, 38)]
    assert len([p for p in article if p.is_caption]) == 6


def test_a_two_sentence_paragraph_splits_in_two(article):
    assert [p for p in article if p.paragraph == 3] == [
        Piece(
            3,
            "Surovikin told Shoigu that the city is now impossible to defend and recommended "
            f"that troops withdraw across the Dnipro River {LSQUO}in the near future{RSQUO} "
            "to defend the other bank.",
        ),
        Piece(3, "Shoigu squirmed in his seat as he agreed to the plan."),
    ]


def test_dashes_inside_a_sentence_do_not_split_it(article):
    (second,) = [p for p in article if p.paragraph == 2]
    assert f"Surovikin {NDASH} Russia{RSQUO}s top commander in Ukraine {NDASH} to withdraw" in (
        second.text
    )
    assert second.text.endswith("to withdraw from the city.")


def test_a_curly_quote_ending_a_sentence_stays_with_it(article):
    assert (
        Piece(
            23,
            f"A Ukrainian legislator reacted to the death of Stremousov, calling him "
            f"{LSQUO}a traitor.{RSQUO}",
        )
        in article
    )
    assert texts(f"He called him {LSQUO}a traitor.{RSQUO} Others disagreed.") == [
        f"He called him {LSQUO}a traitor.{RSQUO}",
        "Others disagreed.",
    ]


def test_a_capital_after_a_comma_does_not_start_a_sentence(article):
    assert Piece(33, "Now, In November, Russia looks to have abandoned Kherson altogether.") in (
        article
    )


def test_the_six_captions_are_whole_lines_marked_as_captions(article):
    captions = [(p.paragraph, p.text[:40]) for p in article if p.is_caption]
    assert captions == [
        (6, "Russia captured Kherson back in March (p"),
        (7, "General Sergei Surovikin (left) has anno"),
        (17, "Ukrainian troops are pictured on patrol "),
        (18, "Vladimir Putin is pictured meeting with "),
        (19, "A Ukrainian serviceman surveys a former "),
        (29, "Kirill Stremousov, 45, the deputy head o"),
    ]
    lines = [line.strip() for line in ARTICLE.splitlines()]
    assert all(p.text in lines for p in article if p.is_caption)


# split(): news text beyond the article ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones at St. Paul's. They talked.",
            ["Mr. Smith met Dr. Jones at St. Paul's.", "They talked."],
        ),
        ("Gen. Surovikin spoke. The U.S. said no.", ["Gen. Surovikin spoke.", "The U.S. said no."]),
        ("The U.S. Army left. It came back.", ["The U.S. Army left.", "It came back."]),
        (
            "It happened at 5 p.m. on Monday. Then it ended.",
            ["It happened at 5 p.m. on Monday.", "Then it ended."],
        ),
        (
            "He lives at No. 5 Main Street. It is big.",
            ["He lives at No. 5 Main Street.", "It is big."],
        ),
        (
            "It began in Oct. 2022 in the south. It ended later.",
            ["It began in Oct. 2022 in the south.", "It ended later."],
        ),
        (
            "J. R. R. Tolkien wrote books. He died in 1973.",
            ["J. R. R. Tolkien wrote books.", "He died in 1973."],
        ),
        ('He said "I will go." Then he went.', ['He said "I will go."', "Then he went."]),
        (
            f"He said {LDQUO}I will go.{RDQUO} Then he went.",
            [f"He said {LDQUO}I will go.{RDQUO}", "Then he went."],
        ),
        ("Did he go? Yes! He went.", ["Did he go?", "Yes!", "He went."]),
        (
            "(The city was taken, said the ministry.) The city fell.",
            ["(The city was taken, said the ministry.)", "The city fell."],
        ),
        # sentencex leaves the bracket at the start of the next sentence; it ends this one.
        ("It fell (in the end.) Then it rose.", ["It fell (in the end.)", "Then it rose."]),
        ("Then it fell.) Then it rose.", ["Then it fell.)", "Then it rose."]),
        (
            "Prices rose 2.5 per cent. Wages did not.",
            ["Prices rose 2.5 per cent.", "Wages did not."],
        ),
        ("He waited... Then he left.", ["He waited...", "Then he left."]),
        ("He waited\u2026 Then he left.", ["He waited\u2026", "Then he left."]),
        ("He waited\u2026 then he left.", ["He waited\u2026 then he left."]),
        ("One. Two.", ["One.", "Two."]),
        # Ordinary lowercase words that sentencex takes for abbreviations ("No.", "Me.").
        ("The answer was no. Russia left.", ["The answer was no.", "Russia left."]),
        ("It told me. Putin said so.", ["It told me.", "Putin said so."]),
        ("He may. Kyiv may not.", ["He may.", "Kyiv may not."]),
        ("It was No. 5. Then No. 6 came.", ["It was No. 5.", "Then No. 6 came."]),
        (
            "Russia vs. Ukraine is a war. It goes on.",
            ["Russia vs. Ukraine is a war.", "It goes on."],
        ),
        ("Smith et al. Found it.", ["Smith et al. Found it."]),
    ],
)
def test_split_finds_the_sentences_of_news_text(text, expected):
    assert texts(text) == expected


def test_a_closing_bracket_alone_at_the_end_is_no_sentence():
    assert texts("As the ministry said (and it is right.)") == [
        "As the ministry said (and it is right.)"
    ]
    assert texts("it is right.)") == ["it is right.)"]


def test_lines_are_paragraphs_whatever_the_line_endings_and_blank_lines():
    text = "Line one is here.\r\nLine two is here.\r\n\r\n\r\nThird line.\rFourth line.\n\n  \n"
    assert split(text) == [
        Piece(1, "Line one is here."),
        Piece(2, "Line two is here."),
        Piece(3, "Third line."),
        Piece(4, "Fourth line."),
    ]


def test_a_line_without_a_letter_or_digit_is_no_paragraph():
    assert split(">\n-----\n  \nIt fell.\n***") == [Piece(1, "It fell.")]


# Captions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Russia captured Kherson back in March (pictured) and Putin annexed the region.",
        "General Sergei Surovikin (left) has announced the retreat.",
        "Shoigu (right) agreed.",
        "Ukrainian troops are pictured on patrol near the frontline.",
        "A Ukrainian serviceman surveys a former Russian trench",
    ],
)
def test_a_caption_speaks_of_its_picture_or_does_not_end_as_a_sentence(line):
    assert is_caption(line)
    assert split(line) == [Piece(1, line, is_caption=True)]


@pytest.mark.parametrize(
    "line",
    [
        "The picture of the war is grim.",
        "Pictures from the front show the damage.",
        "He was in the picture by then.",
        f"He called him {LSQUO}a traitor.{RSQUO}",
        "Did he go?",
        "(The ministry said so.)",
    ],
)
def test_a_sentence_mentioning_a_picture_is_no_caption(line):
    assert not is_caption(line)
    assert not split(line)[0].is_caption


def test_a_paragraph_of_several_sentences_mentioning_pictured_is_body_text():
    """Kept whole as a caption, its sentences could not be cited one by one."""
    assert split("Putin (pictured) spoke on Monday. He said no.") == [
        Piece(1, "Putin (pictured) spoke on Monday."),
        Piece(1, "He said no."),
    ]


# reconcile() ---------------------------------------------------------------------------


def test_reconcile_keeps_the_identity_of_an_unchanged_sentence_wherever_it_moves():
    old = [(10, "One."), (11, "Two."), (12, "Three.")]
    assert reconcile(old, ["Three.", "One.", "Two."]) == [12, 10, 11]


def test_reconcile_gives_a_changed_or_new_sentence_no_identity():
    old = [(10, "One."), (11, "Two.")]
    assert reconcile(old, ["One.", "Two!", "Four."]) == [10, None, None]


def test_reconcile_pairs_repeated_sentences_in_order():
    old = [(10, "Yes."), (11, "No."), (12, "Yes.")]
    assert reconcile(old, ["Yes.", "Yes.", "Yes.", "No."]) == [10, 12, None, 11]


def test_reconcile_can_bring_back_a_retired_sentence():
    """Retired sentences come after current ones in `old`: restoring a text revives it."""
    assert reconcile([(10, "One."), (9, "Old.")], ["Old.", "One."]) == [9, 10]


# resolve() -----------------------------------------------------------------------------

SENTENCES = [
    "Russia captured Kherson back in March.",
    f"Kyiv{RSQUO}s men then made a breakthrough in October.",
    f"The 45-year-old was a driving force {NDASH} in organising the referendum.",
    "Almost the entire region was returned.",
]


def test_resolve_finds_a_single_sentence():
    assert resolve(SENTENCES[2], SENTENCES) == [2]


def test_resolve_ignores_whitespace_around_the_quote():
    assert resolve(f"  {SENTENCES[0]}\n", SENTENCES) == [0]


def test_resolve_finds_a_run_of_consecutive_sentences():
    assert resolve(join(SENTENCES[1:4]), SENTENCES) == [1, 2, 3]


def test_resolve_finds_the_first_of_repeated_sentences():
    assert resolve("Yes.", ["No.", "Yes.", "Yes."]) == [1]


@pytest.mark.parametrize("places", [[0, 2], [1, 0], [0, 1, 3]], ids=str)
def test_resolve_refuses_sentences_that_are_not_a_run_saying_to_cite_each(places):
    quote = join(SENTENCES[i] for i in places)
    found = resolve(quote, SENTENCES)
    assert isinstance(found, Mismatch)
    assert found.message(quote) == (
        "These are sentences of the article, but not one right after another in it: "
        "cite each sentence on its own."
    )


@pytest.mark.parametrize(
    ("between", "where"),
    [("\n", "39: a line break where the article has a space"), ("  ", "40: a space where")],
    ids=repr,
)
def test_a_run_spaced_otherwise_is_refused_with_the_space_hint(between, where):
    quote = SENTENCES[0] + between + SENTENCES[1]
    message = resolve(quote, SENTENCES).message(quote)
    assert message.startswith(
        f"This is not a sentence of the article. The nearest sentences are {LDQUO}"
        f"{join(SENTENCES[:2])}{RDQUO}; they differ from character {where}"
    )
    assert message.endswith("Spaces differ (a double space, a non-breaking space or a line break).")


def test_resolve_refuses_part_of_a_sentence_with_the_partial_message():
    quote = "captured Kherson back"
    found = resolve(quote, SENTENCES)
    assert found == Mismatch(nearest=SENTENCES[0], at=0, hint="", partial=True)
    assert found.message(quote) == (
        "This is only part of a sentence of the article, "
        f"{LDQUO}Russia captured Kherson back in March.{RDQUO}: cite whole sentences."
    )


def test_resolve_refuses_part_of_a_sentence_even_with_a_straight_apostrophe():
    found = resolve("Kyiv's men then made", SENTENCES)
    assert found.partial
    assert found.nearest == SENTENCES[1]


def test_a_straight_apostrophe_is_refused_naming_the_character_and_the_culprit():
    quote = "Kyiv's men then made a breakthrough in October."
    found = resolve(quote, SENTENCES)
    assert found.at == 4
    assert found.message(quote) == (
        "This is not a sentence of the article. "
        f"The nearest sentence is {LDQUO}{SENTENCES[1]}{RDQUO}; they differ from character 5: "
        f"{LDQUO}'{RDQUO} where the article has {LDQUO}{RSQUO}{RDQUO}. "
        "Curly and straight apostrophes or quotes differ: the article's are kept."
    )


def test_a_hyphen_for_a_dash_is_refused_with_the_dash_hint():
    quote = "The 45-year-old was a driving force - in organising the referendum."
    found = resolve(quote, SENTENCES)
    assert found.at == quote.index(" - ") + 1
    assert f"they differ from character {found.at + 1}: {LDQUO}-{RDQUO} where" in (
        found.message(quote)
    )
    assert found.message(quote).endswith(
        "Hyphens and dashes differ (- \u2013 \u2014): copy the article's."
    )


def test_a_double_space_is_refused_with_the_space_hint():
    quote = "Russia captured  Kherson back in March."
    message = resolve(quote, SENTENCES).message(quote)
    assert "they differ from character 17: a space where the article has " in message
    assert message.endswith("Spaces differ (a double space, a non-breaking space or a line break).")


def test_straight_double_quotes_for_curly_ones_are_named():
    sentences = [f"He said {LDQUO}I will go.{RDQUO}"]
    quote = 'He said "I will go."'
    message = resolve(quote, sentences).message(quote)
    assert "differ from character 9" in message
    assert message.endswith("Curly and straight quotation marks differ: the article's are kept.")


def test_a_different_word_names_the_first_differing_character_without_a_hint():
    quote = "Russia captured Kherson back in May."
    found = resolve(quote, SENTENCES)
    assert found == Mismatch(nearest=SENTENCES[0], at=34, hint="")
    assert found.message(quote).endswith(
        f"they differ from character 35: {LDQUO}y{RDQUO} where the article has {LDQUO}r{RDQUO}."
    )


def test_a_quote_longer_than_its_sentence_says_the_article_ends_there():
    quote = "Almost the entire region was returned. Then"
    message = resolve(quote, SENTENCES).message(quote)
    assert message.endswith("from character 39: a space where the article has the end.")


def test_an_article_without_sentences_says_so():
    assert "The article has no sentences." in resolve("Anything.", []).message("Anything.")


# Properties ----------------------------------------------------------------------------

WORDS = [
    "Mr.", "Dr.", "U.S.", "Gen.", "J.", "R.", "p.m.", "No.", "5", "2.5", "Oct.",
    "It", "A", "Kherson", "the", "city", "Kyiv\u2019s", "fell.", "left!", "why?",
    "\u2018a traitor.\u2019", "\u201cgo.\u201d", '"go."', "(pictured)", "(the", "ministry.)",
    "\u2013", "-", "...", "\u2026", "men\u2019",
]  # fmt: skip
SPACES = st.sampled_from([" ", "  ", "\t", "\u00a0 "])


def paragraph_of(words: list[tuple[str, str]]) -> str:
    paragraph = "".join(word + space for word, space in words).strip()
    assume(any(ch.isalnum() for ch in paragraph))  # else it is no paragraph at all
    return paragraph


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*WORDS, "'", '"']), SPACES), min_size=1, max_size=30))
def test_splitting_a_paragraph_drops_and_adds_no_character(words):
    """Whatever the text, even with stray quotes, the sentences hold exactly its characters
    (only whitespace may differ), so what a question quotes is the article's text."""
    paragraph = paragraph_of(words)
    pieces = split(paragraph)
    assert "".join(join(p.text for p in pieces).split()) == "".join(paragraph.split())
    assert all(p.text and p.text == p.text.strip() for p in pieces)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), SPACES), min_size=1, max_size=30))
def test_joining_the_sentences_of_a_paragraph_gives_it_back(words):
    """With its quotes paired, a paragraph is its sentences joined, up to whitespace (a
    sentence keeps its own inner spacing verbatim). A stray straight quote can make
    sentencex end a sentence on it, `fell. "` + `Go."`, which joins with a space added."""
    paragraph = paragraph_of(words)
    pieces = split(paragraph)
    assert " ".join(join(p.text for p in pieces).split()) == " ".join(paragraph.split())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join),
        min_size=1,
        max_size=5,
    )
)
def test_every_sentence_of_a_split_resolves_to_itself(lines):
    sentences = [p.text for p in split("\n".join(lines))]
    for index, sentence in enumerate(sentences):
        assert resolve(sentence, sentences) == [sentences.index(sentence)], index


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["One.", "Two.", "Three.", "Four."]), max_size=8),
    st.lists(st.sampled_from(["One.", "Two.", "Three.", "Five."]), max_size=8),
)
def test_reconcile_keeps_each_old_sentence_at_most_once_and_only_for_its_text(old, new):
    ids = list(range(100, 100 + len(old)))
    kept = reconcile(list(zip(ids, old, strict=True)), new)
    assert len(kept) == len(new)
    assert len([k for k in kept if k is not None]) == len({k for k in kept if k is not None})
    text_of = dict(zip(ids, old, strict=True))
    assert all(text_of[k] == text for k, text in zip(kept, new, strict=True) if k is not None)
    # As many kept as the two texts have sentences in common.
    common = sum(min(old.count(t), new.count(t)) for t in set(new))
    assert len([k for k in kept if k is not None]) == common


# From trying it: where a quote of several sentences goes wrong ------------------------

RUN = [
    "Surovikin told Shoigu that the city is now impossible to defend.",
    "Shoigu squirmed in his seat as he agreed to the plan.",
    "Witnesses say Putin’s men have already abandoned key checkpoints.",
]


def test_a_slip_in_the_second_sentence_of_a_run_is_shown_there():
    quote = f"{RUN[0]} {RUN[1].replace('squirmed', 'squirmd')}"
    message = resolve(quote, RUN).message(quote)
    assert f"The nearest sentences are “{RUN[0]} {RUN[1]}”" in message
    assert f"they differ from character {len(RUN[0]) + 1 + len('Shoigu squirm') + 1}:" in message
    assert "“d” where the article has “e”" in message


def test_a_straight_apostrophe_in_a_later_sentence_of_a_run_gets_its_hint():
    quote = f"{RUN[1]} {RUN[2].replace('’', chr(39))}"
    message = resolve(quote, RUN).message(quote)
    assert "The nearest sentences are" in message
    assert "Curly and straight apostrophes or quotes differ" in message


def test_a_sentence_without_its_full_stop_is_told_where_it_ends_not_called_a_part():
    quote = RUN[1][:-1]
    message = resolve(quote, RUN).message(quote)
    assert "only part of" not in message
    assert "the end where the article has “.”" in message


def test_a_text_like_no_sentence_of_the_article_is_not_matched_to_one():
    quote = "The Bank of England raised interest rates again on Thursday."
    assert resolve(quote, RUN).message(quote) == (
        "This is not a sentence of the article, and no sentence of it is close: "
        "check that it is quoted from this article."
    )


def test_a_letter_added_beside_a_space_is_not_blamed_on_spacing():
    quote = RUN[1].replace("his seat", "his’ seat")
    assert "Spaces differ" not in resolve(quote, RUN).message(quote)
