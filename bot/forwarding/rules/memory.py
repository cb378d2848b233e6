"""Returning freed heap memory to the OS after a big rebuild (the rule index), where glibc can."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc

_libc_name = ctypes.util.find_library("c")
_libc = ctypes.CDLL(_libc_name) if _libc_name else None


def give_back_memory() -> None:
    gc.collect()
    trim = getattr(_libc, "malloc_trim", None)
    if trim is not None:  # glibc (Heroku's stack); elsewhere the allocator keeps it
        trim(0)
