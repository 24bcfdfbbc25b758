"""Topic queries: parsing, boolean semantics, phrases, wildcards, scoring and link hints."""

import random

import pytest

from archive.topic import TopicQuery, TopicQueryError, parse_topic, prepare, tokenize

# --------------------------------------------------------------------------- parse errors


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ('india "defence pact', 6, "unterminated quote"),
        ("india (defence OR pact", 6, "unclosed '('"),
        ("(india (defence OR pact)", 0, "unclosed '('"),
        ("india defence)", 13, "unmatched ')'"),
        (")", 0, "unmatched ')'"),
        ("india AND", 9, "expected a term after AND"),
        ("india OR", 8, "expected a term after OR"),
        ("india AND OR pact", 10, "expected a term after AND"),
        ("india OR )", 9, "expected a term after OR"),
        ("NOT", 3, "expected a term after NOT"),
        ("NOT india", 0, "negations alone"),
        ("india OR NOT pact", 9, "negations alone"),
        ("AND india", 0, "AND needs a term before it"),
        ("OR india", 0, "OR needs a term before it"),
        ("india ()", 7, "empty parentheses"),
        ('india ""', 6, "empty phrase"),
        ("de*fence", 2, "'*' is only allowed at the end"),
        ("india *", 6, "'*' needs a prefix"),
        ("defen**", 6, "single '*'"),
        ("india &&", 6, "no letters or digits"),
    ],
)
def test_parse_errors_have_positions(query, position, fragment):
    with pytest.raises(TopicQueryError) as info:
        parse_topic(query)
    err = info.value
    assert err.position == position
    assert fragment in err.message
    assert f"column {position + 1}" in str(err)


def test_error_message_has_caret_under_the_problem():
    with pytest.raises(TopicQueryError) as info:
        parse_topic('india AND "defence pact')
    lines = str(info.value).splitlines()
    assert lines[1] == '  india AND "defence pact'
    assert lines[2] == "  " + " " * 10 + "^"
    assert lines[1][lines[2].index("^")] == '"'


def test_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_topic("(")


def test_lowercase_operators_are_terms():
    q = parse_topic("india and pakistan")
    assert q.positive_terms == ("india", "and", "pakistan")
    assert not q.matches("India, Pakistan", "")


# --------------------------------------------------------------------------- canonical form


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("India  Defence", "india AND defence"),
        ("india AND defence OR pakistan", "india AND defence OR pakistan"),
        ("india AND (defence OR pakistan)", "india AND (defence OR pakistan)"),
        ("(a OR b) OR (c OR d)", "a OR b OR c OR d"),
        ("a (b c)", "a AND b AND c"),
        ('"India US" NOT "cricket"', '"india us" AND NOT cricket'),
        ("india NOT (cricket OR hockey)", "india AND NOT (cricket OR hockey)"),
        ("india NOT NOT pact", "india AND pact"),
        ("U.S. DEFEN*", '"u s" AND defen*'),
        ("\u201cdefence pact\u201d", '"defence pact"'),
    ],
)
def test_canonical_form_round_trips(query, canonical):
    q = parse_topic(query)
    assert str(q) == canonical
    assert parse_topic(str(q)) == q
    assert str(parse_topic(str(q))) == canonical


def test_equal_queries_hash_equal():
    assert parse_topic("India defence") == parse_topic("india AND DEFENCE")
    assert len({parse_topic("a b"), parse_topic("a AND b")}) == 1
    assert parse_topic("a b") != parse_topic("b a")
    assert isinstance(parse_topic("a"), TopicQuery)


def test_positive_terms():
    q = parse_topic('India AND ("defence framework" OR defen*) NOT cricket NOT india')
    assert q.positive_terms == ("india", "defence framework", "defen*")
    assert q.negative_terms == ("cricket", "india")


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("query", "title", "text", "expected"),
    [
        ("india defence", "India", "a defence deal", True),
        ("india defence", "India", "a trade deal", False),
        ("india AND defence", "", "India: defence", True),
        ("india OR pakistan", "", "Pakistan only", True),
        ("india OR pakistan", "", "Nepal only", False),
        ("india NOT cricket", "", "India wins at cricket", False),
        ("india NOT cricket", "", "India signs pact", True),
        ("india AND NOT (cricket OR hockey)", "", "India hockey", False),
        ("a OR b c", "", "a", True),  # AND binds tighter than OR
        ("a OR b c", "", "b", False),
        ("(a OR b) c", "", "a", False),
        ("(a OR b) c", "", "b c", True),
        ("INDIA", "", "india", True),
        ("india", "", "Indian Ocean", False),  # whole tokens only
        ("india", "", "indiana", False),
        ("defence", "", "US defense spending", False),  # no stemming
        ("defense", "", "UK defence spending", False),
        ("defen*", "", "US defense spending", True),
        ("defen*", "", "UK defence spending", True),
        ("defen*", "", "Defenders of the realm", True),
        ("defen*", "", "the fence", False),
        ("straße", "", "STRASSE", True),  # casefold
        ("naïve", "", "Nai\u0308ve", True),  # NFC
        ("भारत रक्षा", "", "भारत-अमेरिका रक्षा ढांचा", True),  # combining vowel signs stay in the word
        ("रक्षा", "", "रक", False),
        ("snake", "", "snake_case", True),
        ("U.S.", "", "the U.S. and India", True),
        ("U.S.", "", "the U S and India", True),  # same tokens: u s
        ("U.S.", "", "the us and India", False),
    ],
)
def test_boolean_semantics(query, title, text, expected):
    assert parse_topic(query).matches(title, text) is expected


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ('"defence framework"', "a new defence framework", True),
        ('"defence framework"', "a new Defence-Framework", True),
        ('"defence framework"', "the framework for defence", False),
        ('"defence framework"', "defence and a framework", False),
        ('"defence framework"', "defence\n\nframework", True),
        ('"defen* framework"', "the defense framework", True),
        ('"india us defence"', "India–US defence ties", True),
        ('"us defence"', "a bus defence", False),
    ],
)
def test_phrases_match_consecutive_tokens(query, text, expected):
    assert parse_topic(query).matches("", text) is expected


def test_phrase_spanning_title_and_text_does_not_match():
    q = parse_topic('"defence framework"')
    assert not q.matches("India signs defence", "framework agreed")


def test_prepared_text_is_reusable_across_queries():
    doc = prepare("India and US sign defence framework", "The ten-year framework covers defence.")
    queries = ["india defence", '"defence framework"', "pakistan", "framework NOT cricket"]
    results = [parse_topic(q).matches(doc) for q in queries]
    assert results == [True, True, False, True]
    assert parse_topic("india").score(doc) == parse_topic("india").score(
        "India and US sign defence framework", "The ten-year framework covers defence."
    )


def test_tokenize():
    assert tokenize("India’s U.S.-backed co-operation, 2025!") == [
        "india", "s", "u", "s", "backed", "co", "operation", "2025",
    ]
    assert tokenize("") == []


# --------------------------------------------------------------------------- scoring

BODY = " ".join(["filler words about nothing much in particular"] * 40)  # 280 tokens


def body_with(term: str, times: int) -> str:
    return (f"{term} " * times) + BODY


def test_score_is_zero_when_not_matching():
    q = parse_topic("india defence NOT cricket")
    assert q.score("India", "defence and cricket") == 0.0
    assert q.score("India", "trade") == 0.0
    assert q.score("", "") == 0.0
    assert q.score(None, None) == 0.0


def test_score_in_unit_interval():
    q = parse_topic('india OR "defence framework" OR pact')
    rng = random.Random(7)
    vocab = ["india", "defence", "framework", "pact", "the", "of"]
    for _ in range(200):
        text = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 400)))
        title = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 8)))
        score = q.score(title, text)
        assert 0.0 <= score <= 1.0
        assert (score > 0) == q.matches(title, text)
    saturated = q.score("india defence framework pact", "india defence framework pact " * 1000)
    assert 0.9 < saturated <= 1.0


def test_title_match_beats_body_only_match():
    q = parse_topic("defence")
    assert q.score("Defence news", body_with("defence", 1)) > q.score("News", body_with("defence", 1))
    assert q.score("Defence news", BODY) > q.score("News", body_with("defence", 1))


def test_more_occurrences_beat_fewer():
    q = parse_topic("defence")
    scores = [q.score("News", body_with("defence", n)) for n in (1, 2, 5, 20, 100)]
    assert scores == sorted(scores)
    assert len(set(scores)) == len(scores)


def test_score_is_length_normalised():
    q = parse_topic("defence")
    short = body_with("defence", 2)
    long = body_with("defence", 2) + " " + BODY * 10
    assert q.score("", short) > q.score("", long) > 0


def test_more_positive_terms_present_score_higher():
    q = parse_topic("india OR pakistan OR nepal")
    one = q.score("", body_with("india", 2))
    two = q.score("", body_with("india pakistan", 2))
    three = q.score("", body_with("india pakistan nepal", 2))
    assert 0 < one < two < three


def test_negated_terms_do_not_score():
    q = parse_topic("india NOT cricket")
    assert q.positive_terms == ("india",)
    assert q.score("", body_with("india", 1)) == parse_topic("india").score("", body_with("india", 1))


def test_score_formula_values():
    q = parse_topic("defence")
    # 1 occurrence in 250+ tokens -> density 1000/len; title adds 0.2
    import math

    doc_len = len(tokenize(body_with("defence", 1)))
    density = 1000 / doc_len
    freq = math.log1p(density) / (math.log1p(density) + math.log1p(3))
    assert q.score("", body_with("defence", 1)) == pytest.approx(0.5 + 0.3 * freq)
    assert q.score("Defence", body_with("defence", 1)) == pytest.approx(0.7 + 0.3 * freq)
    assert q.score("Defence", "") == pytest.approx(0.7)


def test_score_on_a_long_text():
    rng = random.Random(1)
    vocab = "the of and india us defence framework minister said talks pact news lorem ipsum".split()
    text = " ".join(rng.choice(vocab) for _ in range(7500))
    assert len(text) > 40_000
    q = parse_topic('india AND (defen* OR "defence framework" OR pact) NOT cricket')
    doc = prepare("India signs pact", text)
    # Its speed is a benchmark's business (bench/), not a wall-clock assertion here.
    assert q.matches(doc) and q.score(doc) > 0


# --------------------------------------------------------------------------- score_hint


def test_score_hint_on_url_tokens():
    url = "https://example.com/2025/10/india-us-defence-framework-signed"
    assert parse_topic("india defence").score_hint(url) == 1.0
    assert parse_topic('"india us defence"').score_hint(url) == 1.0
    assert parse_topic("india pakistan").score_hint(url) == 0.5
    assert parse_topic("defen*").score_hint(url) == 1.0
    assert parse_topic("defense").score_hint(url) == 0.0
    assert parse_topic("trade").score_hint(url) == 0.0


def test_score_hint_splits_on_url_separators_and_decodes():
    q = parse_topic("defence framework")
    assert q.score_hint("/news/defence_framework.html") == 1.0
    assert q.score_hint("/news/Defence%20Framework") == 1.0
    assert q.score_hint("/news/defenceframework") == 0.0


def test_score_hint_counts_partial_phrases():
    q = parse_topic('"defence framework agreement"')
    assert q.score_hint("Defence framework agreement signed") == 1.0
    assert q.score_hint("New framework for defence") == pytest.approx(0.5 * 2 / 3)
    assert q.score_hint("Weather") == 0.0


def test_score_hint_ignores_boolean_but_halves_on_negated_terms():
    q = parse_topic("india AND defence NOT cricket")
    assert q.score_hint("India news") == 0.5
    assert q.score_hint("India defence cricket") == 0.5
    assert q.score_hint("") == 0.0
    assert q.score_hint(None) == 0.0
    assert q.score_hint("!!!") == 0.0


@pytest.mark.parametrize("text", [
    "Plain ASCII words, numbers 2025 and snake_case",
    "Curly “quotes” and a café in Delhi’s centre",
    "भारत और अमेरिका के बीच रक्षा समझौता",  # vowel signs (Mc/Mn) inside words
    "decomposed cafe\u0301 and nai\u0308ve",  # combining marks that NFC may fold
    "Kannada ಕನ್ನಡ with ZWNJ ನ\u200cಮ and ZWJ क\u200dष",
])
def test_tokenize_fast_path_matches_full_pattern(text):
    """The \\w+ shortcut for texts without marks or joiners gives the full pattern's tokens."""
    from archive.topic import _normalize, _token_pattern, tokenize

    assert tokenize(text) == _token_pattern().findall(_normalize(text))
