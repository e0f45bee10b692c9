"""The learned recognizer: the shipped model, `kg train`, `kg eval --cv`, `--model`."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from kg.cli import main
from kg.errors import DataError
from kg.learn.model import SHIPPED, load_model, model_choice, parse_model, shipped_model
from kg.learn.train import cross_validate, find_articles, folds, summary
from kg.model import EntityType
from kg.normalize import normalize_text
from kg.pipeline import process
from tests.conftest import DEV, GOLD_DIRS, ROOT, SEED_GOLD

#: cross-validated floors (5 folds over the 43 articles) a little under the figures in
#: docs/QUALITY.md; the rules-only figures are in-sample, so they are not floors for the model
CV_FLOOR = {"ALL": 0.88, "District": 0.93, "Agency": 0.93, "Facility": 0.82, "Program": 0.81}


def test_the_shipped_model_loads_fast_and_records_what_it_was_trained_on():
    began = time.perf_counter()
    model = load_model(ROOT / "kg" / SHIPPED)
    assert time.perf_counter() - began < 0.5
    assert model.weights["Facility"] and model.weights["Program"]
    trained = model.record["trained_on"]
    assert len(trained) == 43
    for article in find_articles(GOLD_DIRS):  # the files in the repo are those it saw
        entry = next(t for t in trained if t["doc"] == article.name)
        assert entry["gold_sha256"] == article.gold_sha256
        assert entry["text_sha256"] == article.text_sha256
    assert set(model.record["cv"]) == {"folds", "model", "rules"}


@pytest.mark.slow
def test_kg_train_reproduces_the_shipped_model_byte_for_byte(tmp_path, capsys):
    out = tmp_path / "model.json"
    assert main(["train", *map(str, GOLD_DIRS), "--out", str(out)]) == 0
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(
        (ROOT / "kg" / SHIPPED).read_bytes()).hexdigest()
    assert "trained on 43 articles" in capsys.readouterr().err


def test_cross_validation_holds_its_floor():
    articles = find_articles(GOLD_DIRS)
    scores = summary(cross_validate(articles, 5)["model"])
    for kind, minimum in CV_FLOOR.items():
        assert scores[kind]["F1"] >= minimum, (kind, scores[kind])


def test_folds_depend_only_on_the_article_names():
    articles = find_articles([SEED_GOLD, DEV / "gold"])
    first, again = folds(articles, 3), folds(list(reversed(articles)), 3)
    assert [[a.name for a in f] for f in first] == [[a.name for a in f] for f in again]
    assert sorted(a.name for f in first for a in f) == sorted(a.name for a in articles)


def test_kg_eval_cv_prints_rules_and_model(capsys):
    assert main(["eval", "--cv", "3", str(SEED_GOLD), str(DEV / "gold")]) == 0
    out = capsys.readouterr().out
    assert "rules only (15 articles" in out and "3-fold" in out
    assert out.count("documents scored: 15") == 2


def test_texts_are_found_beside_the_gold_or_where_told(tmp_path):
    gold = tmp_path / "gold"
    gold.mkdir()
    source = next(SEED_GOLD.glob("*.gold.json"))
    (gold / source.name).write_bytes(source.read_bytes())
    with pytest.raises(Exception, match="not found"):
        find_articles([gold])
    (articles,) = find_articles([gold], [SEED_GOLD.parent])
    assert articles.text_path.parent == SEED_GOLD.parent


def test_model_none_runs_the_rules_alone(capsys):
    path = str(next((ROOT / "seeds").glob("*.txt")))
    assert main(["extract", "--model", "none", "--jobs", "0", path]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert main(["extract", "--jobs", "0", path]) == 0
    shipped = json.loads(capsys.readouterr().out)
    document = normalize_text((ROOT / "seeds" / rules["doc"]).read_text(encoding="utf-8"),
                              rules["doc"])
    expected = {e.label for e in process(document, None, None).entities}
    assert {e["label"] for e in rules["entities"]} == expected
    assert shipped["doc"] == rules["doc"]


def test_a_corrupt_model_is_one_kg_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "kg-recognizer/1", "threshold": 2}', encoding="utf-8")
    path = str(next((ROOT / "seeds").glob("*.txt")))
    assert main(["extract", "--model", str(bad), path]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kg: ") and "threshold" in err
    with pytest.raises(DataError, match="not JSON"):
        parse_model("{", "x.json")
    with pytest.raises(DataError, match="format"):
        parse_model("[]", "x.json")


def test_every_mention_offset_is_valid_with_the_model():
    model = shipped_model()
    for article in find_articles(GOLD_DIRS):
        document = normalize_text(article.text_path.read_text(encoding="utf-8"), article.name)
        for mention in process(document, None, model).mentions:
            assert document.text[mention.start:mention.end] == mention.text


def _labels(text: str, kind: EntityType) -> set[str]:
    with model_choice("shipped"):
        result = process(normalize_text(text, "t.txt"))
    return {e.label for e in result.entities if e.type is kind}


def test_generic_kinds_are_not_facilities():
    text = "今年全县新建普惠性幼儿园3所、小区配套幼儿园2所,改造中心敬老院和爱心食堂,支持普通高中建设。"
    assert not _labels(text, EntityType.FACILITY)


def test_left_boundary_stops_at_verbs_and_conjunctions():
    text = "我区盘活闲置公办幼儿园,暨幸福食堂开业。别看孝老食堂不大。"
    labels = _labels(text, EntityType.FACILITY)
    assert not any(label.startswith(("盘活", "暨", "别看")) for label in labels)


def test_village_stems_do_not_swallow_a_preposition_or_verb():
    text = "今年,原州区以蒋河村为试点,充分发挥村委会作用。中所营街道办张家村十字路口。"
    labels = _labels(text, EntityType.DISTRICT)
    assert not labels & {"以蒋河村", "充分发挥村", "办张家村"}


def test_numbered_items_are_programs_without_their_numbers():
    text = "2024年民生实事项目\n一、教育基础设施提升项目\n二、重点人群健康守护项目\n"
    labels = _labels(text, EntityType.PROGRAM)
    assert {"教育基础设施提升项目", "重点人群健康守护项目"} <= labels
    assert not any(label.startswith("一、") for label in labels)


def test_a_facility_named_at_the_start_of_a_project_stays():
    text = "吉水县住建局实施黄桥中学管网工程,已竣工通水。"
    assert "黄桥中学" in _labels(text, EntityType.FACILITY)
    assert "黄桥中学管网工程" in _labels(text, EntityType.PROGRAM)


def test_agency_short_forms_of_the_genre():
    text = "鼓楼区关工委、吉水县教体局和泾源县金融监管支局联合开展活动。"
    labels = _labels(text, EntityType.AGENCY)
    assert {"鼓楼区关工委", "吉水县教体局", "泾源县金融监管支局"} <= labels


def test_a_place_without_its_suffix_in_an_event_or_media_name_is_no_district():
    text = "杭州亚运会期间,淄博新闻网报道,杭州市民政局在钱塘区开展活动。"
    labels = _labels(text, EntityType.DISTRICT)
    assert "淄博市" not in labels
    assert {"杭州市", "钱塘区"} <= labels  # 杭州市 is named by the agency's jurisdiction


def test_renamed_and_abolished_divisions_are_districts():
    text = "河南省洛阳市偃师市、孟津县的城市书房恢复开放。青岛市四方区水清沟街道开展活动。"
    labels = _labels(text, EntityType.DISTRICT)
    assert {"偃师区", "孟津区", "四方区"} <= labels


def test_kg_eval_scores_articles_kept_in_subfolders(tmp_path, capsys):
    """Gold names articles by file name; an input folder may keep them in subfolders."""
    texts = tmp_path / "texts"
    for k, path in enumerate(sorted((DEV / "texts").glob("*.txt"))[:4]):
        (texts / f"part{k % 2}").mkdir(parents=True, exist_ok=True)
        (texts / f"part{k % 2}" / path.name).write_bytes(path.read_bytes())
    assert main(["eval", str(DEV / "gold"), str(texts)]) == 0
    assert "documents scored: 4" in capsys.readouterr().out


def _edges_by_definition(text, scan, district_ends, start, end):
    """The edge features computed from their definitions, one text scan per feature (what
    kg.learn.features computes once per document and reuses)."""
    from kg.extract.programs import LIST_NUMBER
    from kg.learn.features import char_class
    from kg.resources import lexicon
    from kg.text import word_tag

    before = text[start - 1] if start > 0 else ""
    ending, starting = scan.token_ending_at.get(start), scan.token_starting_at.get(start)
    prev_token = scan.tokens[ending].text if ending is not None else ""
    first = scan.tokens[starting].text if starting is not None else ""
    head_of_line = text[text.rfind("\n", 0, start) + 1:start]
    after = text[end] if end < len(text) else ""
    nxt = scan.tokens[scan.token_starting_at[end]].text if end in scan.token_starting_at else ""
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return [
        f"prev={before}", f"prevc={char_class(before)}", f"prev2={text[max(0, start - 2):start]}",
        f"ptok={prev_token}", f"ptag={word_tag(prev_token) if prev_token else '^'}",
        f"ftok={first}", f"ftag={word_tag(first) if first else '-'}",
        f"first={text[start:start + 1]}",
        f"boundary={scan.is_boundary(start)}",
        f"linestart={not head_of_line.strip()}",
        f"numbered={bool(LIST_NUMBER.fullmatch(head_of_line)) if head_of_line else False}",
        f"after_district={start in district_ends}",
        f"prev_boundary={prev_token in lexicon().boundary}",
        f"next={after}", f"nextc={char_class(after)}",
        f"ntok={nxt}", f"ntag={word_tag(nxt) if nxt else '^'}",
        f"lineend={not text[end:line_end].strip()}",
    ]


def test_edge_features_equal_their_definitions_at_every_offset():
    """The features of a span's edges come from tables made once per document (line
    bounds, the words of tokens, a list number per line); at every offset of real articles,
    numbered lists and indented lines among them, they are what their definitions give."""
    from kg.extract.scan import Scan
    from kg.learn.features import Context, TextFacts, _edges

    texts = [normalize_text(p.read_text(encoding="utf-8")).text
             for p in sorted((ROOT / "seeds").glob("*.txt"))[:6]]
    texts.append("一、 城市更新行动\n  (2)\t老旧小区改造工程 \n\n③社区食堂  \n")
    checked = 0
    for text in texts:
        scan = Scan.of(text)
        district_ends = {3: 1, 10: 8}
        ctx = Context(scan, TextFacts.of(scan, district_ends), frozenset(), {}, frozenset())
        for start in range(len(text) + 1):
            end = min(len(text), start + 3)
            assert _edges(ctx, [], start, end) == _edges_by_definition(
                text, scan, district_ends, start, end), (text[start:end], start)
            checked += 1
    assert checked > 3000


def test_program_features_agree_with_the_rules_not_a_name_test():
    """program_features computes programs._not_a_name from the regex and tag tests it shares
    with its own features; on every Program candidate of the seed articles (quotes, book
    titles, list items, names before a category word) the two agree."""
    from kg.extract import programs
    from kg.extract.scan import Scan
    from kg.learn.features import Context, TextFacts, program_features

    seen = {False: 0, True: 0}
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        scan = Scan.of(normalize_text(path.read_text(encoding="utf-8")).text)
        ctx = Context(scan, TextFacts.of(scan, {}), frozenset(), {}, frozenset())
        for span in programs.candidates(scan, set()):
            expected = programs._not_a_name(span.name)
            assert f"not_a_name={expected}" in program_features(ctx, span), span.name
            seen[expected] += 1
    assert seen[False] > 20 and seen[True] > 20
