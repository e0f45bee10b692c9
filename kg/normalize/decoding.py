"""Bytes → str: BOMs, strict UTF-8, then detection (charset-normalizer) among the encodings
Chinese news pages come in (GB18030/GBK/GB2312, Big5, UTF-16), with binary sniffing first."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from kg.errors import BinaryInputError, DecodingError, EmptyInputError

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or docx/xlsx)"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (doc/xls)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\xca\xfe\xba\xbe", "Java class / Mach-O"),
    (b"\x00asm", "WebAssembly"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
)
# RIFF containers (WAV, AVI, WEBP) and ISO media (MP4, MOV, HEIC)
_RIFF = re.compile(rb"\ARIFF....(WEBP|WAVE|AVI )", re.S)
_ISO = re.compile(rb"\A....ftyp", re.S)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# control bytes that never occur in text (tab, LF, FF, CR and ESC excluded)
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_CONTROL_RE = re.compile(b"[" + re.escape(_CONTROL_BYTES) + b"]")

# The most frequent Chinese characters (Simplified and Traditional forms of the top ~200):
# text decoded with the wrong legacy codec is mostly rare characters.
_COMMON = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体"
    "制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内"
    "数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提"
    "直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计"
    "别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海"
    "口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身"
    "车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石"
    "记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青"
    "省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型"
    "眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞街镇村居服卫"
    "這個為們來時說過對會發動經現實進後從業開還關種與間麼條沒結問題長頭資邊級圖組見計別車華導"
    "萬書區衛處務報務單質當點應樣將裡衛縣鎮醫療養護區縣設員產"
)


def _looks_binary(data: bytes) -> str | None:
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if _RIFF.match(data[:16]) or _ISO.match(data[:12]):
        return "media container"
    sample = data[:65536]
    if b"\x00" in sample:
        return "contains NUL bytes"
    controls = len(_CONTROL_RE.findall(sample))
    if controls > 8 and controls > len(sample) // 100:
        return f"{controls} control bytes in the first {len(sample)} bytes"
    return None


_TEXT_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f\ue000-\uf8ff]")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM: NUL bytes, and one byte order gives clean, plausible text."""
    if b"\x00" not in data[:4096] or len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        text = _try(data, enc)
        if text is None or _TEXT_CONTROLS.search(text):
            continue
        score = _plausibility(text, min_han=4)
        if score > 0.9 and (best is None or score > best[0]):
            best = (score, enc, text)
    return (best[2], best[1]) if best else None


def _plausibility(text: str, min_han: int = 20) -> float:
    """Share of characters that look like real text (ASCII, common Han, punctuation).

    Han characters count fully only if enough of them are frequent ones: text decoded with
    the wrong legacy codec is valid Han, but mostly rare characters.
    """
    sample = text[:20000]
    if not sample:
        return 0.0
    good = 0.0
    han = common = 0
    for ch in sample:
        o = ord(ch)
        if o < 0x80:
            good += ch.isprintable() or ch in "\n\r\t"
        elif 0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF:
            han += 1
            common += ch in _COMMON
        elif 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x2010 <= o <= 0x206F:
            good += 1
        elif ch.isprintable() and o != 0xFFFD and not 0xE000 <= o <= 0xF8FF:
            good += 0.5
    if han:
        quality = min(1.0, common / han / 0.3) if han >= min_han else 1.0
        good += han * quality
    return good / len(sample)


def _canonical(encoding: str) -> str:
    enc = codecs.lookup(encoding).name
    if enc in ("gb2312", "gbk", "gb18030", "hz"):
        return "gb18030"  # superset; decoding with it never loses characters
    if enc in ("big5", "cp950"):
        return "big5hkscs"
    return enc


def _display(encoding: str) -> str:
    return {"big5hkscs": "big5", "utf-8-sig": "utf-8-sig"}.get(encoding, encoding)


def _try(data: bytes, encoding: str) -> str | None:
    """Strict decoding, except that a multibyte sequence cut off at the very end (a truncated
    file) becomes U+FFFD instead of failing."""
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        text = decoder.decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    if decoder.getstate()[0]:
        text += "\ufffd"
    return text


def _check_empty(text: str, name: str) -> None:
    if not text.strip():
        raise EmptyInputError(f"{name}: no text (only whitespace)")


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode ``data`` (the contents of file ``name``) and return ``(text, encoding)``.

    Raises EmptyInputError, BinaryInputError or DecodingError, each naming the file.
    """
    if not data:
        raise EmptyInputError(f"{name}: empty file (0 bytes)")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _try(data[len(bom) :], enc.removesuffix("-sig"))
            if text is None:
                raise DecodingError(f"{name}: starts with a {enc} byte-order mark but is not {enc}")
            _check_empty(text, name)
            return text, enc
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        _check_empty(utf16[0], name)
        return utf16
    if not data.strip():
        raise EmptyInputError(f"{name}: no text (only whitespace)")
    why = _looks_binary(data)
    if why is not None:
        raise BinaryInputError(f"{name}: not a text file ({why})")

    text = _try(data, "utf-8")
    if text is not None:
        _check_empty(text, name)
        return text, "utf-8"
    # mostly UTF-8 with a few damaged sequences: keep UTF-8, the damage becomes U+FFFD
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    multibyte = sum(1 for ch in lenient if ord(ch) > 0x7F) - bad
    if multibyte >= 20 * bad:
        _check_empty(lenient, name)
        return lenient, "utf-8"

    candidates: list[str] = []
    best = charset_normalizer.from_bytes(data[:200000]).best()
    if best is not None:
        candidates.append(_canonical(best.encoding))
    for enc in ("gb18030", "big5hkscs", "utf-16-le", "utf-16-be"):
        if enc not in candidates:
            candidates.append(enc)
    scored: list[tuple[float, int, str, str]] = []
    for rank, enc in enumerate(candidates):
        decoded = _try(data, enc)
        if decoded is None:
            continue
        scored.append((_plausibility(decoded), -rank, enc, decoded))
    if scored:
        score, _, enc, decoded = max(scored)
        if score >= 0.6:
            _check_empty(decoded, name)
            return decoded, _display(enc)
    raise DecodingError(
        f"{name}: cannot decode as UTF-8, GB18030, Big5 or UTF-16 "
        f"(detector guess: {best.encoding if best else 'none'})"
    )
