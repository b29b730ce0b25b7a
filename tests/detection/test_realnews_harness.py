"""The real-news harness itself: building sets from pinned sources, and scoring them.

Runs on small made-up inputs, so it needs none of the fetched data.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.detection import evaluation
from service.detection.evaluation import Mention
from service.detection.keyword_peer import PATTERNS, peer_detect

ROOT = Path(__file__).resolve().parents[2]


def _load_eval_data():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("eval_data", ROOT / "scripts" / "eval_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ed = _load_eval_data()


# ------------------------------------------------------------------ building


def test_hash_split_is_a_function_of_the_document_id() -> None:
    sides = {ed.hash_split("case2021", str(i)) for i in range(200)}
    assert sides == {"dev", "test"}
    assert all(ed.hash_split("rams", f"d{i}") == ed.hash_split("rams", f"d{i}") for i in range(50))


def test_case2021_classes_map_to_plover_and_disasters_are_no_event() -> None:
    tsv = (
        b"id\tEventSnippet\tSubType\n"
        b"1\tPolice arrested six activists in Lagos.\tARREST\n"
        b"2\tFloods killed twelve people in the valley.\tNATURAL_DISASTER\n"
        b"3\tThe rebels changed their name.\tCHANGE_TO_GROUP_ACT\n"
    )
    items = {it["doc_id"]: it for it in ed.build_case2021({"f": tsv})}
    arrest, flood, other = (items[k]["units"][0] for k in ("1", "2", "3"))
    assert arrest["gold"] == ["COERCE"] and not arrest["no_event"]
    assert flood["no_event"] and flood["gold"] == []
    # arrests are coded only as a snippet's own class: COERCE is never counted against a snippet
    assert flood["counts_against"] == ["ASSAULT", "PROTEST"]
    assert other["gold"] == [] and "MOBILIZE" in other["dont_count"] and not other["no_event"]
    assert items["1"]["id"] == "case2021:1" and items["1"]["split"] == ed.hash_split("case2021", "1")


def test_rams_unit_is_the_trigger_sentence_of_the_window() -> None:
    doc = {
        "doc_key": "nw_1", "source_url": "http://example.org/a",
        "sentences": [["Markets", "rose", "."], ["Rebels", "attacked", "the", "base", "."], ["It", "rained", "."]],
        "evt_triggers": [[4, 4, [["conflict.attack.n/a", 1.0]]]],
    }
    (item,) = ed.build_rams({"dev": (json.dumps(doc) + "\n").encode()})
    (u,) = item["units"]
    assert item["text"][u["start"]:u["end"]] == "Rebels attacked the base."
    assert u["gold"] == ["ASSAULT"] and item["split"] == "dev"


@pytest.mark.parametrize(
    ("url", "published"),
    [
        ("http://www.theguardian.com/world/2016/mar/04/north-korea-kim-jong-un", "2016-03-04"),
        ("http://www.example.com/news/2016/08/12/talks-set/", "2016-08-12"),
        ("http://www.smh.com.au/world/wikileaks-reward-20160810-gqp353.html", "2016-08-10"),
        ("http://www.washingtontimes.com/news/2013/jul/2/snowden/", "2013-07-02"),
        ("http://www.example.com/2016-11-09-election", "2016-11-09"),
        # a year and month alone, an impossible day, a stamp in a query string, no URL: not dated
        ("http://www.politico.com/story/2016/08/democrats-cyberhack-227080", None),
        ("http://www.example.com/2016/02/30/x/", None),
        ("http://www.example.com/feed/?utm_campaign=20161020feed", None),
        (None, None),
    ],
)
def test_rams_articles_are_dated_by_the_day_their_url_spells(url: str | None, published: str | None) -> None:
    doc = {"doc_key": "nw_2", "source_url": url, "sentences": [["Rebels", "attacked", "."]], "evt_triggers": []}
    (item,) = ed.build_rams({"dev": (json.dumps(doc) + "\n").encode()})
    assert item["published_at"] == (f"{published}T00:00:00+00:00" if published else ed.DEFAULT_DATE)


def test_wikievents_voice_of_america_documents_are_dated_by_their_id() -> None:
    def built(doc_id: str) -> str:
        doc = {"doc_id": doc_id, "sentences": [[[], "Rebels attacked."]], "event_mentions": []}
        (item,) = ed.build_wikievents({"dev": (json.dumps(doc) + "\n").encode()})
        return item["published_at"]

    assert built("64_VOA_EN_NW_2017.06.05.3887168") == "2017-06-05T00:00:00+00:00"
    assert built("scenario_en_kairos_75") == ed.DEFAULT_DATE
    assert built("1_VOA_EN_NW_2017.02.30.1") == ed.DEFAULT_DATE  # no such day


def test_wikievents_sentences_without_events_are_no_event_units() -> None:
    doc = {
        "doc_id": "d1",
        "sentences": [[[], "A bomb exploded in the market."], [[], "The weather was fine."]],
        "event_mentions": [{"event_type": "Conflict.Attack.DetonateExplode", "trigger": {"sent_idx": 0}}],
    }
    (item,) = ed.build_wikievents({"test": (json.dumps(doc) + "\n").encode()})
    bomb, weather = item["units"]
    assert bomb["gold"] == ["ASSAULT"] and not bomb["no_event"]
    assert weather["no_event"] and weather["counts_against"] == ["ASSAULT", "PROTEST", "THREATEN"]
    assert item["text"][weather["start"]:weather["end"]] == "The weather was fine."


def test_a_file_whose_sha256_differs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.tsv").write_bytes(b"tampered")
    entry = {"path": "data/x.tsv", "sha256": hashlib.sha256(b"original").hexdigest()}
    spec = {"repository": "o/r", "commit": "0" * 40}
    with pytest.raises(ed.SourceError, match="is not the pinned"):
        ed.fetch_file(tmp_path, spec, entry, git_dir=None, https=False)
    (tmp_path / "x.tsv").write_bytes(b"original")
    assert ed.fetch_file(tmp_path, spec, entry, git_dir=None, https=False) == b"original"


def test_a_folder_is_pinned_by_its_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "news" / "sport"
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"Title\n\nBody.")
    files = {"sport/a.txt": b"Title\n\nBody."}
    entry = {"path": "news", "manifest_sha256": ed.manifest_digest(files), "files": 1}
    spec = {"repository": "o/r", "commit": "0" * 40}
    assert ed.fetch_dir(tmp_path, spec, entry, git_dir=None, https=False) == files
    (folder / "b.txt").write_bytes(b"extra")
    with pytest.raises(ed.SourceError, match="2 files"):
        ed.fetch_dir(tmp_path, spec, entry, git_dir=None, https=False)


def test_build_writes_dev_test_and_manifest_with_no_document_on_both_sides(tmp_path: Path) -> None:
    rows = "".join(f"{i}\tA clash near town {i}.\tARMED_CLASH\n" for i in range(40))
    raw = f"id\tEventSnippet\tSubType\n{rows}".encode()
    (tmp_path / "shared").mkdir()
    spec = {
        "repository": "o/r", "commit": "1" * 40, "license": "test", "split": "hash",
        "files": [{"path": "t.tsv", "sha256": hashlib.sha256(raw).hexdigest()}],
    }
    ed.ROOT = tmp_path / "project"  # ../shared/data/<set>/ is looked up beside the project
    (tmp_path / "shared" / "data" / "case2021").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "case2021" / "t.tsv").write_bytes(raw)
    try:
        counts = ed.build_set("case2021", spec, tmp_path / "cache", git_dirs={}, https=False)
    finally:
        ed.ROOT = ROOT
    dev = [json.loads(line) for line in (tmp_path / "cache" / "case2021" / "dev.jsonl").open()]
    test = [json.loads(line) for line in (tmp_path / "cache" / "case2021" / "test.jsonl").open()]
    assert counts == {"dev": len(dev), "test": len(test)} and len(dev) + len(test) == 40
    assert not {d["doc_id"] for d in dev} & {t["doc_id"] for t in test}
    manifest = json.loads((tmp_path / "cache" / "case2021" / "manifest.json").read_text())
    assert manifest["sources"][0]["commit"] == "1" * 40


# ------------------------------------------------------------------ scoring


def _write(base: Path, name: str, split: str, items: list[dict]) -> None:
    (base / name).mkdir(parents=True, exist_ok=True)
    (base / name / f"{split}.jsonl").write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")


def _unit(uid: str, start: int, end: int, gold: list[str], *, no_event: bool = False,
          against: list[str] | None = None, dont: list[str] | None = None) -> dict:
    return {"id": uid, "start": start, "end": end, "labels": gold or [], "gold": gold, "dont_count": dont or [],
            "no_event": no_event, "counts_against": against or []}


@pytest.fixture
def fake_system(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Mention]]:
    """A system whose mentions per item id the test sets."""
    table: dict[str, list[Mention]] = {}
    monkeypatch.setitem(evaluation.SYSTEMS, "fake", lambda item: table.get(item["id"], []))
    return table


def test_recall_counts_a_mention_only_inside_its_unit(tmp_path: Path, fake_system: dict) -> None:
    text = "Rebels attacked the base. Talks were held later."
    units = [_unit("u1", 0, 25, ["ASSAULT"]), _unit("u2", 26, 48, ["CONSULT"])]
    _write(tmp_path, "wikievents", "dev", [{"id": "d", "text": text, "title": "", "units": units}])
    # the ASSAULT trigger lies in the second sentence: it is not the first unit's event
    fake_system["d"] = [Mention("ASSAULT", True, "body", 30, 35), Mention("CONSULT", False, "body", 26, 31)]
    score = evaluation.evaluate_realnews("wikievents", "dev", "fake", tmp_path)
    assert score.found["ASSAULT"] == 0 and score.total["ASSAULT"] == 1
    assert score.found["CONSULT"] == 1  # recall counts any modality
    assert any(e.startswith("MISS u1 ASSAULT") for e in score.errors)


def test_false_alarms_count_alert_worthy_listed_types_only(tmp_path: Path, fake_system: dict) -> None:
    text = "Floods hit the valley."
    items = [
        {"id": f"n{i}", "text": text, "title": "", "units": [_unit(f"n{i}", 0, len(text), [], no_event=True,
                                                                  against=["ASSAULT", "PROTEST"])]}
        for i in range(4)
    ]
    _write(tmp_path, "case2021", "dev", items)
    fake_system["n0"] = [Mention("ASSAULT", True, "body", 0, 6)]  # a false alarm
    fake_system["n1"] = [Mention("ASSAULT", False, "body", 0, 6)]  # speculative: not an alarm
    fake_system["n2"] = [Mention("COERCE", True, "body", 0, 6)]  # not a type the set counts against
    score = evaluation.evaluate_realnews("case2021", "dev", "fake", tmp_path)
    assert (score.alarm_units, score.no_event_units) == (1, 4)
    assert score.false_alarm_rate == 0.25


def test_a_later_mention_merged_as_related_evidence_is_no_alert(tmp_path: Path, fake_system: dict) -> None:
    """An alert is raised at a signal's own evidence; a later mention of the same event, merged into
    it, raises none: counted apart (``mention_alarm_rate``), not as a false alarm."""
    text = "Rebels attacked the base. Officials discussed the attack."
    units = [_unit("u1", 0, 25, ["ASSAULT"]), _unit("u2", 26, len(text), [], no_event=True, against=["ASSAULT"])]
    _write(tmp_path, "wikievents", "dev", [{"id": "d", "text": text, "title": "", "units": units}])
    fake_system["d"] = [Mention("ASSAULT", True, "body", 7, 15), Mention("ASSAULT", True, "body", 50, 56, primary=False)]
    score = evaluation.evaluate_realnews("wikievents", "dev", "fake", tmp_path)
    assert (score.alarm_units, score.mention_alarm_units, score.no_event_units) == (0, 1, 1)
    assert score.false_alarm_rate == 0.0 and score.mention_alarm_rate == 1.0
    assert any(e.startswith("RELATED MENTION u2 ASSAULT") for e in score.errors)


def test_macro_recall_averages_alert_types_with_enough_units(tmp_path: Path, fake_system: dict) -> None:
    items = []
    for i in range(6):
        items.append({"id": f"a{i}", "text": "x" * 10, "title": "", "units": [_unit(f"a{i}", 0, 10, ["ASSAULT"])]})
        items.append({"id": f"p{i}", "text": "x" * 10, "title": "", "units": [_unit(f"p{i}", 0, 10, ["PROTEST"])]})
    items.append({"id": "r", "text": "x" * 10, "title": "", "units": [_unit("r", 0, 10, ["REQUEST"])]})
    _write(tmp_path, "case2021", "dev", items)
    for i in range(6):
        fake_system[f"a{i}"] = [Mention("ASSAULT", True, "body", 0, 1)]
    score = evaluation.evaluate_realnews("case2021", "dev", "fake", tmp_path)
    assert score.macro_types() == ["ASSAULT", "PROTEST"]  # REQUEST: not an alert type; too few anyway
    assert score.macro_recall == 0.5


def test_desk_articles_flagged_by_escalation_types_per_desk(tmp_path: Path, fake_system: dict) -> None:
    items = [{"id": f"{d}{i}", "text": "t", "title": "h", "desk": d, "units": []}
             for d in ("sport", "tech") for i in range(4)]
    _write(tmp_path, "desks", "dev", items)
    fake_system["sport0"] = [Mention("ASSAULT", True, "title", 0, 1)]
    fake_system["sport1"] = [Mention("CONSULT", True, "body", 0, 1)]  # not an escalation type
    fake_system["tech0"] = [Mention("THREATEN", False, "body", 0, 1)]  # not alert-worthy
    score = evaluation.evaluate_realnews("desks", "dev", "fake", tmp_path)
    assert score.flagged_share("sport") == 0.25 and score.flagged_share("tech") == 0.0
    assert score.flagged_share() == 0.125


def test_agnews_ledes_are_repaired_and_filed_by_class() -> None:
    """The dataset dropped the "&" of entities and wrote line breaks as a backslash; World ledes
    carry no desk (the precision frame), the other classes are desks."""
    csv_text = (
        b'"1","Israel Kills 5 in Raid (Reuters)","Reuters - Israel #39;s army\\said  quot;five quot; died."\n'
        b'"2","Duncan leads U.S. attack","AP - Tim Duncan led a balanced American attack &lt;b&gt;...&lt;/b&gt;"\n'
    )
    world, sport = ed.build_agnews({"f": csv_text})
    assert world["text"] == 'Reuters - Israel\'s army said "five" died.' and world["desk"] is None
    assert sport["text"] == "AP - Tim Duncan led a balanced American attack ..." and sport["desk"] == "sport"
    assert world["id"] == "agnews:test-0" and world["units"] == [] and world["split"] == ed.hash_split("agnews", "test-0")
    with pytest.raises(ed.SourceError, match="class '5'"):
        list(ed.build_agnews({"f": b'"5","t","d"\n'}))


def test_a_set_with_desk_items_reports_them_by_desk_and_skips_the_rest(tmp_path: Path, fake_system: dict) -> None:
    items = [{"id": "w0", "text": "t", "title": "h", "desk": None, "units": []},
             {"id": "s0", "text": "t", "title": "h", "desk": "sport", "units": []},
             {"id": "s1", "text": "t", "title": "h", "desk": "sport", "units": []}]
    _write(tmp_path, "agnews", "dev", items)
    fake_system["w0"] = [Mention("ASSAULT", True, "body", 0, 1)]  # world news: not a desk false alarm
    fake_system["s0"] = [Mention("ASSAULT", True, "body", 0, 1)]
    score = evaluation.evaluate_realnews("agnews", "dev", "fake", tmp_path)
    rows = evaluation.realnews_rows(score, score)
    assert [r[1] for r in rows] == ["ledes flagged, sport", "ledes flagged, all desks"]
    assert rows[-1][2:] == ("2", "50.0%", "50.0%")


def test_evaluate_cli_reports_a_set_that_is_not_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALERT_EVAL_DATA", str(tmp_path))
    result = CliRunner().invoke(main, ["evaluate", "--set", "rams", "--split", "test"])
    assert result.exit_code == 1
    assert f"{tmp_path / 'rams' / 'test.jsonl'}: set 'rams' is not built" in result.stderr


@pytest.mark.parametrize(("name", "version", "warned"), [("rams", 1, True), ("rams", 2, False), ("case2021", 1, False)])
def test_evaluate_cli_warns_when_a_set_was_built_by_an_older_format(tmp_path: Path, name: str, version: int,
                                                                     warned: bool) -> None:
    """A RAMS cache built before its windows were dated still scores, with a warning that names it;
    a set whose items did not change stays quiet."""
    text = "Troops attacked the village on Monday."
    _write(tmp_path, name, "dev", [{"id": "x:1", "text": text, "title": "", "units": [_unit("x:1", 0, len(text), ["ASSAULT"])],
                                    "published_at": "2024-04-14T00:00:00+00:00"}])
    (tmp_path / name / "manifest.json").write_text(json.dumps({"format_version": version, "set": name}))
    result = CliRunner().invoke(main, ["evaluate", "--set", name, "--split", "dev", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ("built by an older scripts/eval_data.py" in result.stderr) is warned, result.stderr
    assert not warned or f"{tmp_path / name}: " in result.stderr


def test_evaluate_cli_prints_peer_beside_detector(tmp_path: Path) -> None:
    text = "Troops attacked the village on Monday, killing four people."
    units = [_unit("c:1", 0, len(text), ["ASSAULT"])]
    _write(tmp_path, "case2021", "test", [{"id": "c:1", "text": text, "title": "", "units": units,
                                           "published_at": "2024-04-14T00:00:00+00:00"}])
    result = CliRunner().invoke(main, ["evaluate", "--set", "case2021", "--split", "test", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "split test" in result.stdout and "peer" in result.stdout and "detector" in result.stdout
    assert "ASSAULT" in result.stdout


def test_evaluate_cli_prints_the_rules_alone_beside_rules_and_model(tmp_path: Path) -> None:
    """The column "rules only" is the detector without the learned sense model (sense.py)."""
    text = "England bombarded the Australian defence and Smith fired the winner at Wembley."
    units = [_unit("c:1", 0, len(text), [], no_event=True, against=["ASSAULT"])]
    _write(tmp_path, "case2021", "test", [{"id": "c:1", "text": text, "title": "Football: England 2-1 Australia",
                                           "units": units, "published_at": "2024-04-14T00:00:00+00:00"}])
    result = CliRunner().invoke(main, ["evaluate", "--set", "case2021", "--split", "test", "--cache", str(tmp_path)])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.startswith("set "))
    assert header.split()[-3:] == ["rules", "only", "detector"]
    alarms = next(line for line in result.stdout.splitlines() if "false alarms on no-event" in line)
    assert alarms.split()[-2:] == ["100.0%", "0.0%"], result.stdout  # the rules fire, the model vetoes


def test_labeled_set_has_no_test_split() -> None:
    result = CliRunner().invoke(main, ["evaluate", "--set", "labeled", "--split", "test"])
    assert result.exit_code == 2 and "real-news sets" in result.output


# ------------------------------------------------------------------ the keyword peer


@pytest.mark.parametrize(
    ("sentence", "typ"),
    [
        ("The army deployed two brigades to the border.", "MOBILIZE"),
        ("The two ministers held talks in Geneva.", "CONSULT"),
        ("The president warned of a harsh response.", "THREATEN"),
        ("Washington imposed sanctions on the bank.", "SANCTION"),
        ("Gunmen attacked a checkpoint overnight.", "ASSAULT"),
        ("The parties signed a peace agreement.", "AGREE"),
        ("Japan sent humanitarian assistance to the region.", "AID"),
        ("Police arrested twelve people.", "COERCE"),
        ("The rebels withdrew from the town.", "RETREAT"),
        ("Thousands of protesters gathered in the square.", "PROTEST"),
    ],
)
def test_each_of_the_ten_peer_patterns_matches_its_type(sentence: str, typ: str) -> None:
    assert typ in {h.type.value for h in peer_detect(sentence)}


def test_the_peer_has_ten_patterns_and_stays_quiet_on_plain_text() -> None:
    assert len(PATTERNS) == 10
    assert peer_detect("The museum opened a new gallery of Dutch paintings on Sunday.") == []


def test_indiapolice_quotes_are_repaired_even_when_a_sentence_split_cuts_one() -> None:
    mangled = "\u00e2\u20ac\u2122"  # a right single quote stored as UTF-8 and read as Windows-1252
    sents = [
        {"doc_id": 7, "sent_id": 0, "sent_labels": [], "sent_text": "the citizens\u00e2\u20ac"},
        {"doc_id": 7, "sent_id": 1, "sent_labels": ["ANY_ACTION", "ARREST"],
         "sent_text": "\u2122 groups met. police arrested " + mangled + "five" + mangled + " men."},
    ]
    files = {
        "data/final/sents.jsonl": "".join(json.dumps(s) + "\n" for s in sents).encode(),
        "data/final/metadata.jsonl": b'{"doc_id": 7, "date": "2002-03-06", "url": "u"}\n',
    }
    (item,) = ed.build_indiapolice(files)
    assert "\u00e2" not in item["text"]
    assert "citizens \u2019 groups" in item["text"]  # sentences are joined by a space
    assert "arrested \u2019five\u2019 men." in item["text"]
    (u,) = item["units"]
    assert u["gold"] == ["COERCE"] and item["text"][u["start"]:u["end"]].endswith("men.")
    assert item["published_at"].startswith("2002-03-06")
