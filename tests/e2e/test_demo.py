"""The README's first command: the offline demo runs with no credentials and tells its story."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


async def test_the_offline_demo_runs_without_credentials_on_sqlite() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "--demo",
        cwd=ROOT,
        env={"PATH": os.environ["PATH"]},  # no settings at all
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    text = out.decode()
    assert proc.returncode == 0, text
    assert text.count("Sorry, this is a private bot") == 1
    assert "saved and active" in text  # the wizard, walked to the end
    assert "bot → Archive: [summary] Python 3.14 is out." in text
    assert "bot → Digest ES: [Spanish] Python 3.14 is out." in text  # after the review approval
    assert "Archive: nothing (the AI filter" in text
    assert text.count("[photo] (album)") == 3
    assert "Digest ES now shows: [Spanish] Python 3.14 is out (and 3.13.9 too). (edited)" in text
    assert ", 0 refused by the specification; exit 0" in text
