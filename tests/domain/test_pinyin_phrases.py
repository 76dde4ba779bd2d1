"""Issue #11: the pinyin keys read polyphones as words do (银行 "yinhang", not "yinxing") without
pypinyin's 44 MB phrase dictionary in the importing process: the phrases are kept compact and lent
to pypinyin a name at a time, and every name reads exactly as with pypinyin's whole dictionary."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

from pos_tui.domain import pinyin
from pos_tui.domain.pinyin import pinyin_key
from pos_tui.domain.pinyin_phrases import PhraseTable


def run_python(code: str, stdin: str = "") -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], input=stdin, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_polyphones_read_as_the_word_they_are_in():
    assert pinyin_key("中国银行 储蓄卡") == "zhongguoyinhangchuxuka zgyhcxk"  # not yinxing
    assert pinyin_key("银行行长") == "yinhanghangzhang yhhz"
    assert pinyin_key("重庆火锅底料") == "chongqinghuoguodiliao cqhgdl"  # not zhongqing
    assert pinyin_key("长城 干红葡萄酒 750ml") == "changchengganhongputaojiu ccghptj"  # not zhangcheng
    assert pinyin_key("音乐贺卡") == "yinyueheka yyhk"  # not yinle


def test_the_importing_process_does_not_load_the_phrase_dictionary():
    out = run_python("""
        import json, sys
        from pos_tui.domain.pinyin import pinyin_key
        key = pinyin_key("中国银行")
        from pypinyin import constants
        print(json.dumps([key, len(constants.PHRASES_DICT), "pypinyin.phrases_dict" in sys.modules]))
    """)
    key, lent, loaded = json.loads(out)
    assert key == "zhongguoyinhang zgyh"
    assert 0 < lent < 10 and not loaded


def test_the_compact_table_answers_as_the_dictionary(tmp_path):
    source = tmp_path / "phrases.json"
    source.write_text(json.dumps({"银行": [["yín"], ["háng"]], "朝阳": [["zhāo", "cháo"], ["yáng"]],
                                  "中国银行": [["zhōng"], ["guó"], ["yín"], ["háng"]]}, indent=0), "utf-8")
    table = PhraseTable.from_json(source)
    assert len(table) == 3 and table.longest == 4
    assert table.find("银行") == (True, "yín háng")
    assert table.find("朝阳") == (True, "zhāo,cháo yáng")
    assert table.find("中国") == (True, None)  # begins a phrase, is none
    assert table.find("银") == (True, None)
    assert table.find("国银") == (False, None)
    phrases, starts = table.within("在中国银行")
    assert phrases == {"银行": [["yín"], ["háng"]], "中国银行": [["zhōng"], ["guó"], ["yín"], ["háng"]]}
    assert set(starts) == {"中", "中国", "中国银", "中国银行", "银", "银行"}


def test_every_name_reads_as_with_the_whole_dictionary():
    """Names made of the dictionary's own phrases, loose characters and Latin text, read by the lent
    phrases (with room for so few that they are taken back and lent again all the time, and so few
    runs' readings kept that they are let go all the time) and by pypinyin with its whole
    dictionary, in two fresh interpreters."""
    table = PhraseTable.from_json(pinyin._phrases_file())
    phrases = [table._phrase(i) for i in range(len(table))]
    loose = sorted(set("".join(phrases[::50])))
    rng = random.Random(11)
    names = []
    for _ in range(3000):
        parts = [rng.choice(phrases) if rng.random() < 0.7 else "".join(rng.choices(loose, k=rng.randint(1, 3)))
                 for _ in range(rng.randint(1, 4))]
        names.append(rng.choice(["", "", " ", "330ml", "A-"]).join(parts) + rng.choice(["", " 500g", " #12"]))
    names += ["中国银行行长", "重庆银行", "长城", "朝阳区", "音乐", "可口可乐 330ml", "Bread",
              "可口可乐 330ml 可口可乐", "银行A银行", "长城长城 长城", "〇号 电池"]
    lent = run_python("""
        import json, sys
        from pos_tui.domain import pinyin
        pinyin.LENT_PHRASES, pinyin.KNOWN_RUNS, pinyin.CACHED_RUNS = 40, 25, 30
        names = json.load(sys.stdin)
        keys = [pinyin.pinyin_key(name) for name in names]
        # Read again: the runs kept from the first pass (and let go past CACHED_RUNS) read the same.
        assert [pinyin.pinyin_key(name) for name in names] == keys
        assert pinyin._converter()._table is not None, "pypinyin loaded its whole phrase dictionary"
        print(json.dumps(keys))
    """, json.dumps(names))
    whole = run_python("""
        import json, sys
        from pypinyin import lazy_pinyin
        keys = []
        for name in json.load(sys.stdin):
            s = [x.lower() for x in lazy_pinyin(name, errors=lambda _t: None) if x and x.isascii()]
            keys.append("".join(s) + " " + "".join(x[0] for x in s) if s else "")
        print(json.dumps(keys))
    """, json.dumps(names))
    differ = [(name, a, b) for name, a, b in zip(names, json.loads(lent), json.loads(whole)) if a != b]
    assert differ == []
