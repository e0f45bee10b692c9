"""Tests of kg.normalize: decoding, passes, offsets."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import BinaryInputError, DecodingError, EmptyInputError
from kg.model import Document, Source
from kg.normalize import (
    decode,
    explain_removed,
    normalize,
    normalize_text,
    removed_summary,
    run_passes,
)
from kg.normalize.ruby import is_syllable

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data" / "normalize"
SEED000 = SEEDS / "000_15af565bc8285b03.txt"
SEED001 = SEEDS / "001_8559640708291db9.txt"

T2S = opencc.OpenCC("t2s.json")


def norm_file(path: Path) -> Document:
    return normalize(Source(path.name, path.read_bytes(), str(path)))


def check_offsets(doc: Document) -> None:
    offs = doc.offsets
    assert len(offs) == len(doc.text) + 1
    assert all(0 <= o <= len(doc.original) for o in offs)
    assert all(0 <= o < len(doc.original) for o in offs[:-1])
    assert all(a <= b for a, b in zip(offs, offs[1:], strict=False))


# ------------------------------------------------------------------ seeds
@pytest.fixture(scope="module")
def doc000() -> Document:
    return norm_file(SEED000)


@pytest.fixture(scope="module")
def doc001() -> Document:
    return norm_file(SEED001)


def test_seed001_ruby_removed_and_simplified(doc001: Document) -> None:
    text = doc001.text
    assert "百步经济开发区(百步镇)" in text
    assert "该区(镇)" in text
    # no pinyin annotation of any kind is left
    assert not any(ch in text for ch in "āáǎàēéěèīíǐìōóǒòūúǔù")
    assert "(jīng)" not in text and "(shè)" not in doc001.text
    # no Traditional characters: converting again changes nothing
    assert T2S.convert(text) == text
    assert doc001.encoding == "utf-8"
    assert sum(r.reason == "ruby" for r in doc001.removed) >= 300
    check_offsets(doc001)


def test_seed001_link_list_set_aside(doc001: Document) -> None:
    """The trailing list of other headlines stays readable but is marked as an aside,
    outside the article's body."""
    assert len(doc001.asides) == 1
    aside = doc001.asides[0]
    assert aside.reason == "headline-list"
    listed = doc001.text[aside.start : aside.end]
    assert "绍兴市住房公积金管理中心" in listed and "湖北武汉" in listed
    body = doc001.text[: aside.start]
    assert "绍兴市住房公积金管理中心" not in body and "\n-" not in body
    assert aside.end == len(doc001.text.rstrip())
    # the article's last paragraph is still there, in the body
    assert "继续抓好社区教育" in body


def test_seed000_repeat_once_and_rejoined(doc000: Document) -> None:
    assert doc000.text.count("目8项、市队联办学校6所") == 1
    assert "新增市队联办布点项目8项、市队联办学校6所" in doc000.text
    assert "老年人意外伤害险" in doc000.text
    assert "广汽传祺" in doc000.text
    assert "区社会发展局(筹)" in doc000.text
    # headings stay on their own line
    assert "\n“公共卫生进位”行动 筑牢公卫防护网\n" in doc000.text
    assert any(r.reason == "repeat" and r.text.startswith("目8项") for r in doc000.removed)
    check_offsets(doc000)


def test_document_fields(doc000: Document) -> None:
    import hashlib

    assert doc000.digest == hashlib.sha256(SEED000.read_bytes()).hexdigest()
    assert doc000.original == SEED000.read_text(encoding="utf-8")
    assert doc000.name == SEED000.name
    for region in doc000.removed:
        assert doc000.original[region.start : region.end] == region.text


def test_offsets_map_back_to_original(doc000: Document, doc001: Document) -> None:
    for doc in (doc000, doc001):
        for i, ch in enumerate(doc.text):
            orig = doc.original[doc.offsets[i]]
            if ch == "\n":
                continue
            assert ch == orig or T2S.convert(orig) == ch or (ch, orig) in {("(", "（"), (")", "）")}
        start = doc.text.index("百步镇" if doc is doc001 else "钱塘大剧院")
        s, e = doc.original_span(start, start + 3)
        assert T2S.convert(doc.original[s:e]).startswith(doc.text[start : start + 3])


# ------------------------------------------------------------------ encodings
@pytest.mark.parametrize(
    ("fixture", "encoding"),
    [
        ("000.gb18030.txt", "gb18030"),
        ("000.utf16.txt", "utf-16-le"),
        ("000.utf8bom.txt", "utf-8-sig"),
    ],
)
def test_encodings_of_seed000_give_same_text(doc000: Document, fixture: str, encoding: str) -> None:
    doc = norm_file(DATA / fixture)
    assert doc.encoding == encoding
    assert doc.text == doc000.text
    assert doc.offsets == doc000.offsets
    assert doc.digest != doc000.digest


@pytest.mark.parametrize(
    ("fixture", "encoding"), [("001-plain.big5.txt", "big5"), ("001-plain.gb18030.txt", "gb18030")]
)
def test_traditional_legacy_encodings(fixture: str, encoding: str) -> None:
    reference = norm_file(DATA / "001-plain.utf8.txt")
    doc = norm_file(DATA / fixture)
    assert doc.encoding == encoding
    assert doc.text == reference.text
    assert "百步经济开发区(百步镇)" in doc.text


def test_short_gbk_and_truncated_multibyte() -> None:
    text = "杭州市民政局今天发布了新的养老服务补贴政策,覆盖全市各区县的困难老年人。"
    assert decode(text.encode("gbk"), "a.txt") == (text, "gb18030")
    cut = text.encode("gb18030")[:-1]  # last character cut in half
    decoded, enc = decode(cut, "b.txt")
    assert enc == "gb18030" and decoded.startswith(text[:-1]) and decoded.endswith("\ufffd")
    assert normalize(Source("b.txt", cut)).text == text[:-1]


def test_utf16_without_bom() -> None:
    text = "区社会发展局(筹)积极探索治理新路子。\n"
    assert decode(text.encode("utf-16-le"), "c.txt") == (text, "utf-16-le")
    assert decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "c.txt") == (text, "utf-16-be")


def test_mostly_utf8_with_damage_keeps_utf8() -> None:
    good = "社区卫生服务中心建成投用。" * 10
    data = good.encode() + b"\xff\xfe" + "养老服务中心".encode()
    text, enc = decode(data, "d.txt")
    assert enc == "utf-8" and "\ufffd" in text
    doc = normalize(Source("d.txt", data))
    assert "\ufffd" not in doc.text and doc.text.endswith("建成投用。养老服务中心")
    assert any(r.reason == "mojibake" for r in doc.removed)


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n ", "\u3000\n".encode(), codecs.BOM_UTF8])
def test_empty_inputs(data: bytes) -> None:
    with pytest.raises(EmptyInputError, match="empty.txt"):
        normalize(Source("empty.txt", data))


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        b"PK\x03\x04\x14\x00\x00\x00" + b"x" * 100,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"text with a NUL\x00 in it and more text",
        bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17]) * 20,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 50,
    ],
)
def test_binary_inputs(data: bytes) -> None:
    with pytest.raises(BinaryInputError, match="bin.dat"):
        normalize(Source("bin.dat", data))


def test_undecodable_input() -> None:
    data = bytes([0x80, 0xFF, 0x81, 0x30, 0xFE, 0xFF, 0x80]) * 40
    with pytest.raises(DecodingError, match="junk.txt"):
        decode(data, "junk.txt")


def test_boilerplate_only_raises_empty() -> None:
    with pytest.raises(EmptyInputError, match="x.txt"):
        normalize_text("责任编辑:张三\n返回顶部\n", "x.txt")
    assert normalize_text("责任编辑:张三\n", allow_empty=True).text == ""


# ------------------------------------------------------------------ ruby
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("經(jīng)濟(jì)開(kāi)發(fā)區(qū)", "经济开发区"),
        ("百步經(jīng)濟開(kāi)發(fā)區(qū)(百步鎮(zhèn))", "百步经济开发区(百步镇)"),
        ("該區(qū)(鎮(zhèn))科學(xué)規(guī)劃", "该区(镇)科学规划"),
        ("区社会发展局(筹)成(chéng)立(lì)了(le)", "区社会发展局(筹)成立了"),
        ("計劃(jì)于(2022年)完成(chéng)", "计划于(2022年)完成"),
        ("景區(qū)(圖片由平湖市文化局提供)", "景区(图片由平湖市文化局提供)"),
        ("海水?dāng)?shù)字化(huà)", "海水??字化"),
        ("寫（xiě）字（zì）", "写字"),
        ("經(jīng jì)濟", "经济"),
        ("中心(ok)和(app)以及(PPP)項(xiàng)目(mù)", "中心(ok)和(app)以及(PPP)项目"),
    ],
)
def test_ruby_cases(raw: str, expected: str) -> None:
    assert normalize_text(raw).text == expected


def test_toneless_syllables_kept_in_unannotated_text() -> None:
    # no toned annotation anywhere: "(ai)" is an ordinary abbreviation, not ruby
    assert normalize_text("发展人工智能(ai)产业").text == "发展人工智能(ai)产业"
    assert normalize_text("人工智能(ai)產(chǎn)業(yè)").text == "人工智能产业"


def test_decomposed_tone_marks_are_composed_then_stripped() -> None:
    raw = unicodedata.normalize("NFD", "經(jīng)濟(jì)")
    assert raw != "經(jīng)濟(jì)"
    assert normalize_text(raw).text == "经济"


def test_syllable_validation() -> None:
    for word in ("jīng", "zhuàng", "lǜ", "nǚ", "xiong", "er", "le", "shuāng"):
        assert is_syllable(word), word
    for word in ("ok", "app", "ppp", "xyz", "ing", "bv", "zhong2"):
        assert not is_syllable(word), word


# ------------------------------------------------------------------ characters
def test_width_folding_keeps_chinese_punctuation() -> None:
    doc = normalize_text("区民政局（筹）：２０２１年，ＡＢＣ！“民生”《规划》、完成。")
    assert doc.text == "区民政局(筹):2021年,ABC!“民生”《规划》、完成。"
    assert doc.original[doc.offsets[4]] == "（"


def test_latin1_mojibake_removed_without_eating_neighbours() -> None:
    doc = normalize_text("民生Ã¦Â°Â‘实事“惠民”项目ÉçÇøÎÀÉú完成")
    assert doc.text == "民生实事“惠民”项目完成"
    assert [r.reason for r in doc.removed] == ["mojibake", "mojibake"]
    # ordinary accented words stay
    assert normalize_text("在café和Müller之间").text == "在café和Müller之间"


def test_forum_watermark_removed() -> None:
    raw = (
        "记者从市体育局获悉,健身园已确定位置。 5 M/ v6 S4 |' z$ x) ]\n"
        ': n3 c/ U/ }8 o" F: }5 T$ ~# F4 s0 c\n'
        "  据市体育局介绍,截至2011年底,七区有健身路径1290处。\n"
        "7 s) s1 f0 v) S\n"
        "列表 A, B, C, D, E 保留\n"
    )
    doc = normalize_text(raw)
    assert doc.text == (
        "记者从市体育局获悉,健身园已确定位置。\n"
        "据市体育局介绍,截至2011年底,七区有健身路径1290处。\n"
        "列表 A, B, C, D, E 保留"
    )
    assert removed_summary(doc)["mojibake:watermark"] == 3


def test_control_and_invisible_characters() -> None:
    doc = normalize_text("养老\u200b服务\x07中心\r\n建成\ufeff投用。")
    assert doc.text == "养老服务中心\n建成投用。"


# ------------------------------------------------------------------ blocks
ARTICLE = (
    "初审编辑:李四\n"
    "您当前的位置:首页 > 新闻 > 民生\n"
    "某区新建三家社区食堂\n"
    "来源:某某日报 发布时间:2023-03-03\n"
    "今年以来,某区民政局围绕老年人助餐需求,在三个街道新建社区食堂,为辖区老人提供价格实惠的餐食服务。\n"
    "image_01.jpg\n"
    "据介绍,下一步将继续扩大覆盖范围,让更多老年人在家门口吃上热饭。\n"
    "责任编辑:王五\n"
    "扫描二维码分享到手机\n"
    "关注我们获取更多资讯\n"
    "- 某市召开安全生产工作会议\n"
    "- 另一地发布旅游新政\n"
    "- 第三条无关新闻标题\n"
    "版权所有 © 某某网 京ICP备12345678号\n"
)


def test_boilerplate_removed_with_reasons() -> None:
    doc = normalize_text(ARTICLE)
    assert doc.text == (
        "某区新建三家社区食堂\n"
        "今年以来,某区民政局围绕老年人助餐需求,在三个街道新建社区食堂,为辖区老人提供价格实惠的餐食服务。\n"
        "据介绍,下一步将继续扩大覆盖范围,让更多老年人在家门口吃上热饭。"
    )
    reasons = {r.text.strip(): r.reason for r in doc.removed}
    assert reasons["初审编辑:李四"] == "boilerplate:editor"
    assert reasons["责任编辑:王五"] == "boilerplate:editor"
    assert reasons["您当前的位置:首页 > 新闻 > 民生"] == "navigation"
    assert reasons["来源:某某日报 发布时间:2023-03-03"] == "boilerplate:source"
    assert reasons["image_01.jpg"] == "media"
    assert reasons["版权所有 © 某某网 京ICP备12345678号"] == "boilerplate:copyright"
    assert reasons["关注我们获取更多资讯"] == "boilerplate:trailer"
    assert reasons["- 另一地发布旅游新政"] in ("headline-list", "boilerplate:trailer")
    lines = explain_removed(doc)
    assert len(lines) == len(doc.removed)
    assert lines[0].startswith("boilerplate:editor") and "初审编辑:李四" in lines[0]
    assert explain_removed(doc, reasons=("media",)) == [
        line for line in lines if line.startswith("media")
    ]


def test_related_block_and_ad_tail() -> None:
    body = (
        "本市今年将新建社区卫生服务中心十家,覆盖全部街道,方便居民就近看病就医,减少排队等候时间。\n"
    )
    raw = (
        body * 1 + "二段:" + body + "相关新闻\n某地召开会议,部署工作,强调落实责任,确保取得实效。\n"
    )
    doc = normalize_text(raw)
    # the marker goes; the other article's lead stays, set aside from the body
    assert "相关新闻" not in doc.text
    assert "navigation:related" in removed_summary(doc)
    assert [a.reason for a in doc.asides] == ["related"]
    aside = doc.asides[0]
    assert doc.text[aside.start : aside.end] == "某地召开会议,部署工作,强调落实责任,确保取得实效。"
    assert "某地召开会议" not in doc.text[: aside.start]
    raw2 = body + "富强 民主 文明 和谐\n爱国 敬业 诚信 友善\n\n· 公益广告 ·\n"
    doc2 = normalize_text(raw2)
    assert doc2.text == body.strip()
    assert removed_summary(doc2) == {"ad": 3}


def test_forum_chrome_removed() -> None:
    raw = (
        "找回密码\n立即注册\nQQ登录\n查看: 398|回复: 0\n[复制链接]\n"
        "发表于 2012-2-10 18:55:21 | 显示全部楼层 | 阅读模式\n"
        "本市将新建健身园100处,新建健身路径600条,消息引发市民关注,各区正抓紧选址。\n"
        "您需要登录后才可以回帖 登录 | 立即注册\n本版积分规则\n"
    )
    doc = normalize_text(raw)
    assert doc.text == "本市将新建健身园100处,新建健身路径600条,消息引发市民关注,各区正抓紧选址。"


def test_rejoin_rules() -> None:
    raw = (
        "“健康促进”行动 让健康理念深入人心\n\n"
        "健康是广大人民群众的期盼和追求,我区还开展了老年\n\n"
        "人意外伤害险投保工作,做好母婴设施建设。\n"
        "区级平台已上线政策37条,\n发放资金逾1.3亿元。\n"
        "下半年 民生保障基础再夯实\n"
        "社区食堂\n服务老人\n"
    )
    doc = normalize_text(raw)
    assert doc.text.split("\n") == [
        "“健康促进”行动 让健康理念深入人心",
        "健康是广大人民群众的期盼和追求,我区还开展了老年人意外伤害险投保工作,做好母婴设施建设。",
        "区级平台已上线政策37条,发放资金逾1.3亿元。",
        "下半年 民生保障基础再夯实",
        "社区食堂",
        "服务老人",
    ]


def test_no_rejoin_across_removed_boilerplate() -> None:
    raw = (
        "服务于本地人的公益平台,老乡会,同乡会,在外的本地人,天南地北的本地人自己的家\n"
        "立即注册\n"
        "七处示范健身园位置确定,将建600条健身路径,覆盖全市七个区\n"
    )
    lines = normalize_text(raw).text.split("\n")
    assert len(lines) == 2


def test_repeats() -> None:
    para = "全区新增市队联办布点项目8项、市队联办学校6所,实现公办初中学校市队联办全覆盖。"
    raw = f"{para}\n\n{para[10:]}\n\n第二段内容不同,说明其他工作。\n\n{para}\n"
    doc = normalize_text(raw)
    assert doc.text == f"{para}\n第二段内容不同,说明其他工作。"
    assert removed_summary(doc) == {"repeat": 2}
    # short repeated lines (headings, captions of a few characters) are kept
    assert normalize_text("新城区\n项目一,内容。\n新城区\n项目二,内容。").text.count("新城区") == 2


# ------------------------------------------------------------------ HTML
HTML = """<!DOCTYPE html>
<html><head><title>页面标题</title><style>p { color: red }</style>
<script>var x = "不要这段脚本文字";</script></head>
<body>
<nav><a href="/">首页</a> &gt; <a href="/news">新闻</a></nav>
<div class="top-menu">菜单文字</div>
<article>
<h1>钱塘区新建社区卫生服务中心</h1>
<p>近日,闻潮社区卫生服务中心&nbsp;建成投用,方便了沿江居民&amp;周边企业职工。</p>
<p>区社会发展局（筹）相关负责人介绍,<b>下一步</b>将继续推进。</p>
<div class="share-bar">分享到微信</div>
</article>
<footer>版权所有 某某网</footer>
<script>console.log("x")</script>
</body></html>
"""


def test_html_article_text() -> None:
    doc = normalize(Source("page.html", HTML.encode("utf-8")))
    assert doc.text == (
        "钱塘区新建社区卫生服务中心\n"
        "近日,闻潮社区卫生服务中心 建成投用,方便了沿江居民&周边企业职工。\n"
        "区社会发展局(筹)相关负责人介绍,下一步将继续推进。"
    )
    assert doc.original == HTML
    check_offsets(doc)
    i = doc.text.index("闻潮")
    assert doc.original[doc.offsets[i] : doc.offsets[i] + 2] == "闻潮"
    amp = doc.text.index("&")
    assert doc.original.startswith("&amp;", doc.offsets[amp])
    reasons = {r.reason for r in doc.removed}
    assert {"html:head", "html:script", "html:nav", "html:footer", "html:div"} <= reasons


def test_html_detected_without_extension() -> None:
    page = "<html><body><p>养老服务中心建成。</p><script>x=1</script><p>第二段。</p></body></html>"
    assert normalize_text(page, "page.txt").text == "养老服务中心建成。\n第二段。"
    # a text that merely mentions a tag is not HTML
    assert normalize_text("文中提到<p>标签。").text == "文中提到<p>标签。"


def test_run_passes_can_skip() -> None:
    m = run_passes("經(jīng)濟", skip=("t2s",))
    assert m.text == "經濟"


# ------------------------------------------------------------------ property
_PINYINISH = st.sampled_from(["(jīng)", "(le)", "(筹)", "?dāng)", "(ok)", "（zhōng）", "( )", "(("])
_CHUNK = st.one_of(
    st.text(max_size=8),
    st.text(alphabet="經濟區鎮中心（）():,，。\n \u3000\u0301ü?Ã¦Â°", max_size=12),
    _PINYINISH,
    st.sampled_from(
        ["\n", "\n\n", "责任编辑:某", "- 标题一\n", "返回顶部", "5 M/ v6 S4 |' z$ x) ]"]
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_CHUNK, max_size=12).map("".join))
def test_property_offsets_always_map_back(raw: str) -> None:
    doc = normalize_text(raw, allow_empty=True)
    assert len(doc.offsets) == len(doc.text) + 1
    assert doc.original == raw
    if doc.text:
        check_offsets(doc)
    for i, ch in enumerate(doc.text):
        orig = raw[doc.offsets[i]]
        if ch == orig:
            continue
        related = (
            T2S.convert(orig) == ch
            or T2S.convert(orig) != orig  # part of a phrase conversion
            or unicodedata.normalize("NFKC", orig) == ch
            or unicodedata.normalize("NFD", ch)[:1] == orig  # composed by NFC
            or ch in unicodedata.normalize("NFD", orig)  # decomposed by NFC (excluded forms)
            or unicodedata.normalize("NFC", raw[doc.offsets[i] : doc.offsets[i] + 4])[:1] == ch
            or (ch in " \n" and (orig.isspace() or not orig.isprintable()))
            or (ch == "·" and orig in "\u30fb\uff65")
            or (ch in "()" and orig in "\ufe59\ufe5a\uff5f\uff60")
        )
        assert related, (i, ch, orig)
    for region in doc.removed:
        assert 0 <= region.start <= region.end <= len(raw)
        assert raw[region.start : region.end] == region.text


def test_show_removed_lists_asides_too(doc001: Document) -> None:
    from kg.normalize import explain_removed

    lines = explain_removed(doc001)
    asides = [line for line in lines if line.startswith("aside:headline-list")]
    assert len(asides) == 1 and "kept, not body" in asides[0]
    assert any(line.startswith("ruby") for line in lines)


def test_html_blocks_stay_apart() -> None:
    html = ("<html><body><article><h1>某县：民生实事暖人心</h1>"
            "<p>今年以来，某县扎实推进十大民生工程，新建一批幸福食堂</p>"
            "<p>村里的卫生室刚刚完成改造。</p></article></body></html>")
    doc = normalize_text(html, "page.html")
    assert doc.text.splitlines() == [
        "某县:民生实事暖人心",
        "今年以来,某县扎实推进十大民生工程,新建一批幸福食堂",
        "村里的卫生室刚刚完成改造。",
    ]
