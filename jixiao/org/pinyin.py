"""Pinyin of a person's name, stored beside it so the directory finds 王伟 by "wangwei" or "ww"."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_LENGTH = 200

# Search input is letters and spaces only, so anything that is not a letter or a digit ("·" in
# 阿卜杜·热合曼, "-" in Li-Ming) is dropped rather than kept where it would block a match.
_WORD_BREAK = re.compile(r"[\W_]+")
_COMMON_HAN = re.compile(r"[\u4e00-\u9fff]+")


@lru_cache(maxsize=65536)
def name_pinyin(name: str) -> str:
    """Toneless full pinyin without spaces, then the initials: 王伟 → "wangwei ww".

    Characters that are not Chinese are kept, lowercased; each of their words gives one initial,
    as each Chinese syllable does. A heteronym takes pypinyin's default reading.
    """
    if not name.strip():
        return ""
    full: list[str] = []
    initials: list[str] = []
    for token in _syllables(name):
        for word in _WORD_BREAK.split(token.lower()):
            if word:
                full.append(word)
                initials.append(word[0])
    return f"{''.join(full)} {''.join(initials)}".strip()[:MAX_LENGTH]


def _syllables(name: str) -> list[str]:
    """pypinyin's lazy_pinyin of the name, taking a shortcut for the usual all-Chinese name.

    Where no two or more characters of the name form a word in pypinyin's phrase dictionary, its
    answer is each character's own default reading, so those are looked up once per character:
    an import of 50,000 people spends about a tenth of the time (tests compare both ways).
    """
    # Imported here: its dictionaries take about 50 MB, which a worker that never writes a name
    # (searching needs only the stored column) should not carry.
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    size = len(name)
    if _COMMON_HAN.fullmatch(name) and not any(
        name[i:j] in PHRASES_DICT for i in range(size) for j in range(i + 2, size + 1)
    ):
        return [_character_pinyin(c) for c in name]
    return lazy_pinyin(name, style=Style.NORMAL)


@lru_cache(maxsize=32768)
def _character_pinyin(character: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(character, style=Style.NORMAL))
