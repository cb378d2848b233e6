"""Near-duplicates: what the normalisation keeps, which facts tell stories apart, the index's
window, and precision and recall on the labelled pairs in tests/data/near_duplicates.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from bot.forwarding.intake.neardup import (
    Fingerprint,
    NearIndex,
    Seen,
    facts_of,
    fingerprint,
    lines_of,
    near,
    words_of,
)

PAIRS = Path(__file__).resolve().parent.parent / "data" / "near_duplicates.jsonl"
STORY = "Zenit beat CSKA 2:1 at Gazprom Arena. Claudinho scored the winner in the 87th minute."


def labelled_pairs() -> list[dict[str, object]]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line]


def scores(pairs: list[dict[str, object]]) -> tuple[float, float]:
    hits = false_alarms = misses = 0
    for pair in pairs:
        a, b = fingerprint(str(pair["a"])), fingerprint(str(pair["b"]))
        said = a is not None and b is not None and near(a, b)
        hits += said and bool(pair["duplicate"])
        false_alarms += said and not pair["duplicate"]
        misses += not said and bool(pair["duplicate"])
    return hits / (hits + false_alarms), hits / (hits + misses)


def test_case_links_mentions_hashtags_emoji_and_punctuation_are_gone() -> None:
    text = "🚨 BREAKING: Rates CUT! https://example.com/a?b=1 via @wire_news #economy #Rates"
    assert words_of(text) == ["breaking", "rates", "cut", "via"]


def test_footer_lines_and_a_signature_line_are_dropped_but_not_a_closing_figure() -> None:
    post = f"{STORY}\nThe table: Zenit 40 points.\n\nSubscribe: @sport_now\nSource: Reuters"
    assert lines_of(post) == [STORY, "The table: Zenit 40 points."]
    assert lines_of(f"{STORY}\nTomorrow: +5")[-1] == "Tomorrow: +5"


def test_numbers_and_names_are_the_facts_and_a_sentence_opening_is_no_name() -> None:
    numbers, names = facts_of(["Rain in Madrid: 40 mm. Then sun."])
    same_numbers, other_names = facts_of(["Rain in Seville: 40 mm. Then sun."])
    assert numbers == same_numbers and names != other_names
    assert facts_of(["Then rain. Sun later."])[1] == b""


def test_shouted_headline_has_no_names() -> None:
    assert facts_of(["THE NATIONAL TEAM NAMES ITS SQUAD"])[1] == b""


def test_too_short_a_text_gets_no_fingerprint() -> None:
    assert fingerprint("Goal! 1:0 #live") is None


def test_another_score_or_another_city_is_another_story() -> None:
    story = fingerprint(STORY)
    other_score = fingerprint(STORY.replace("2:1", "3:1"))
    other_team = fingerprint(STORY.replace("CSKA", "Rostov"))
    restyled = fingerprint(f"⚡️ {STORY.upper()}\n#football\nSubscribe: @sport_now")
    assert story and other_score and other_team and restyled
    assert not near(story, other_score) and not near(story, other_team)
    assert near(story, restyled)


def test_the_index_finds_a_near_post_only_inside_the_window_and_destination() -> None:
    index = NearIndex(keep_s=3600)
    story = fingerprint(STORY)
    assert story is not None
    index.add(-100, story, Seen(1000.0, story.numbers, story.names, -1, 7))
    again = fingerprint(STORY + " #football")
    assert again is not None

    found = index.match(-100, again, since=900.0)
    assert found is not None and (found.source_chat_id, found.message_id) == (-1, 7)
    assert index.match(-100, again, since=1001.0) is None
    assert index.match(-200, again, since=0.0) is None


def test_the_index_forgets_what_is_older_than_it_keeps() -> None:
    index = NearIndex(keep_s=60)
    fp = Fingerprint(0, b"", b"")
    for at in (0.0, 30.0, 100.0):
        index.add(-100, fp, Seen(at, b"", b"", -1, int(at)))
    assert len(index) == 1


def test_precision_and_recall_on_the_labelled_pairs() -> None:
    pairs = labelled_pairs()
    assert len(pairs) >= 200
    assert {True, False} == {pair["duplicate"] for pair in pairs}
    precision, recall = scores(pairs)
    print(f"near-duplicates: {len(pairs)} pairs, precision={precision:.3f} recall={recall:.3f}")
    assert precision >= 0.95 and recall >= 0.9
