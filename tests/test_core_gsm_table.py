"""The septet table behind segmentation (core/text.py) says exactly what the gsm0338 codec
says, for every character: it replaced per-send codec calls for speed."""

from devino_mock.core.text import gsm_septets, segment


def _codec(char: str) -> int | None:
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def test_table_agrees_with_the_codec_on_every_character():
    chars = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF and (cp < 0x10000 or cp % 4099 == 0)]
    assert [c for c in chars if gsm_septets(c) != _codec(c)] == []


def test_escaped_characters_count_two_septets_and_lone_surrogates_one_unit():
    assert segment("€" * 80).units == 160 and segment("€" * 80).count == 1
    assert segment("€" * 81).count == 2
    assert (segment("\ud800я").encoding, segment("\ud800я").units) == ("ucs2", 2)
    assert segment("😀" * 35).units == 70 and segment("😀" * 35).count == 1
