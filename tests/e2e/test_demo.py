"""The README's first command: the offline demo runs with no credentials and tells its story in a
transcript a newcomer can read: what is simulated, every wizard prompt whole, and a recap."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WIZARD_TEXTS = (
    "New rule · 1/6 · Sources Which chats should I watch? Pick a channel or group with the "
    "buttons, forward me a post from it, or send its @username, id or t.me link (a topic link "
    "picks the topic). Sources so far: (none yet) Press ✅ Done when the list is complete.",
    "New rule · 2/6 · Destinations Where should the posts go? Same ways as for sources; I need "
    "the right to post there. Destinations so far: (none yet) Press ✅ Done when the list is "
    "complete.",
    "New rule · 3/6 · How to send 📋 Copy: the post looks like your own; transforms and AI steps "
    "are possible. ↪️ Forward: shows “Forwarded from”; posts go unchanged.",
    "New rule · 4/6 · Filters Which posts should go? Every post goes unless a filter says no.",
    "New rule · 5/6 · Transform steps Steps run in order on every post:",
    "New rule · 6/6 · Try it Send a sample post (text) and I will show what this rule would "
    "publish. Send as many as you like, then continue.",
    "Name the rule Send a short name (up to 64 characters), or use “Tech News → Digest ES”.",
    "Ready to save: Python in Spanish From • Tech News -1001000000101 To • Digest ES "
    "-1001000000201 Mode: copy Filters • Must contain: python Steps 1. AI translation to Spanish "
    "Edits: edit the copies · AI down: hold posts until it is back · Review: off",
)


@pytest.fixture(scope="module")
def transcript() -> str:
    done = subprocess.run(
        [sys.executable, "main.py", "--demo"],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},  # no settings at all
        capture_output=True,
        timeout=120,
    )
    text = done.stdout.decode()
    assert done.returncode == 0, text + done.stderr.decode()
    return text


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_demo_opens_by_saying_telegram_and_the_ai_are_local_and_simulated(
    transcript: str,
) -> None:
    opening = _flat(transcript.split("──", 1)[0])
    assert "Telegram is a local stand-in (http://127.0.0.1:" in opening
    assert "The AI (Groq) is a local stand-in too (http://127.0.0.1:" in opening
    assert "its answers are simulated, not a model's" in opening
    assert "Nothing leaves this machine" in opening
    addresses = re.findall(r"\w+://[^\s)]+", transcript)
    assert addresses and all(a.startswith("http://127.0.0.1:") for a in addresses), addresses


def test_every_wizard_step_shows_its_prompt_whole(transcript: str) -> None:
    flat = _flat(transcript)
    for text in WIZARD_TEXTS:
        assert text in flat, text
    assert "Review: on" in flat  # the summary's toggle, after the press
    assert "saved and active" in flat  # the wizard, walked to the end


def test_no_line_of_the_transcript_is_cut(transcript: str) -> None:
    for line in transcript.splitlines():
        assert line == line.rstrip(), f"trailing space, as a cut leaves: {line!r}"
        for cut in re.finditer("…", line):
            assert line[cut.start() - 1] == " ", f"cut inside a word: {line!r}"


def test_the_story_reaches_every_chat(transcript: str) -> None:
    assert transcript.count("Sorry, this is a private bot") == 1
    assert "bot → Archive: [summary] Python 3.14 is out." in transcript
    assert "bot → Digest ES: [Spanish] Python 3.14 is out." in transcript  # after the approval
    assert "Archive: nothing (the AI filter" in transcript
    assert transcript.count("[photo] (album)") == 3
    assert "Digest ES now shows: [Spanish] Python 3.14 is out (and 3.13.9 too). (edited)" in (
        transcript
    )


def test_the_demo_ends_with_a_recap_of_what_it_showed(transcript: str) -> None:
    assert "── What this showed" in transcript
    recap = transcript.split("── What this showed", 1)[1].split("\n", 1)[1].splitlines()
    assert recap and all(line.startswith("  ✓ ") or line.startswith("    ") for line in recap)
    flat = _flat("\n".join(recap))
    for claim in (
        "one polite refusal",
        "a prompt for each of its 6 steps",
        "held for the owner's review",
        "the AI filter kept both out of Archive",
        "kept as one album",
        "the edit followed",
        "each checked against the Bot API specification: 0 refused",
        "stopped cleanly (exit 0)",
    ):
        assert claim in flat, claim
