"""name_pinyin: toneless full pinyin without spaces, then the initials, for searching names by pinyin."""

import pytest

from jixiao.org.pinyin import MAX_LENGTH, _syllables, name_pinyin


def test_a_two_character_name_gives_its_pinyin_and_initials():
    assert name_pinyin("王伟") == "wangwei ww"


def test_a_three_character_name_gives_three_syllables_and_three_initials():
    assert name_pinyin("王小明") == "wangxiaoming wxm"


def test_a_compound_surname_is_read_syllable_by_syllable():
    assert name_pinyin("欧阳娜娜") == "ouyangnana oynn"


def test_an_english_name_is_kept_lowercased_with_one_initial_per_word():
    assert name_pinyin("Ming Li") == "mingli ml"


def test_an_empty_or_blank_name_gives_nothing():
    assert name_pinyin("") == ""
    assert name_pinyin("   ") == ""


def test_separators_are_dropped_so_letters_typed_together_still_match():
    assert name_pinyin("阿卜杜·热合曼") == "abodureheman abdrhm"


def test_u_with_umlaut_is_written_v_as_pinyin_keyboards_type_it():
    assert name_pinyin("吕") == "lv l"


def test_mixed_chinese_and_latin_keeps_both():
    assert name_pinyin("王w") == "wangw ww"


@pytest.mark.parametrize("name", ["王" * 100, "Abcdefghij " * 9])
def test_the_longest_name_fits_the_column(name):
    assert len(name_pinyin(name)) <= MAX_LENGTH


def test_a_name_that_is_a_phrase_takes_the_phrase_reading():
    # 重 alone reads "zhong"; in the phrase 重庆 pypinyin reads "chong".
    assert name_pinyin("重庆") == "chongqing cq"


def test_the_shortcut_for_chinese_names_reads_them_as_pypinyin_does():
    from pypinyin import Style, lazy_pinyin

    from jixiao.org.testing_import import HEADER, company_rows

    names = [str(row[HEADER.index("name")]) for row in company_rows(3000)]
    names += ["重庆", "王重阳", "单雄信", "曾国藩", "长孙无忌", "解放", "朝阳", "行长", "乐乐", "银行行长"]
    for name in names:
        assert _syllables(name) == lazy_pinyin(name, style=Style.NORMAL), name
