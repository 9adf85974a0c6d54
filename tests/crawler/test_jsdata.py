"""Inline page data read as JavaScript (crawler/jsdata.py): the literals real platforms write."""

from __future__ import annotations

import pytest

from crawler.jsdata import (
    InlineDataError,
    assigned_literal,
    assigned_scalar,
    call_argument,
    fold_concatenations,
    literals_in,
    parse_literal,
    script_bodies,
    tolerant_literal,
)

GKMLPT = """<script>
window._CONFIG = {
  SID:'755031', APP_URL:'/gkmlpt', // the platform's API root
  TREE:[ {id:2845, name:'政府信息公开', children:[ {id:2848, name:'政府信息公开年报', post_count:12,}, ], }, ],
  ROOT: location.protocol + '//' + location.host,
  IS_WX: typeof wx !== 'undefined',
  MODE: window.innerWidth < 768 ? 'mobile' : 'pc',
};
</script>"""


def test_a_gkmlpt_config_with_unquoted_keys_single_quotes_trailing_commas_and_expressions():
    config = assigned_literal(GKMLPT, "_CONFIG")
    assert config["SID"] == "755031" and config["APP_URL"] == "/gkmlpt"
    assert config["TREE"][0]["children"][0] == {"id": 2848, "name": "政府信息公开年报", "post_count": 12}
    # expressions only a browser can evaluate are kept as their text, never guessed
    assert config["IS_WX"] == "typeof wx !== 'undefined'" and config["MODE"].startswith("window.innerWidth")


def test_string_concatenations_that_start_with_a_literal_are_folded():
    assert fold_concatenations("{a: '/gov/' + 'gkmlpt', b: \"x\" + y + 'z'}") == '{a: "/gov/gkmlpt", b: "xz"}'
    assert parse_literal("{APP_URL: '/' + 'gkmlpt', n: 3}") == {"APP_URL": "/gkmlpt", "n": 3}


def test_the_tolerant_reader_keeps_code_values_as_text():
    value = tolerant_literal(
        "{f: function(a){ return {x: 1}; }, n: 1 + 2, s: 'don\\'t', h: 0x1F, u: undefined, e: -1.5e2,}"
    )
    assert value == {"f": "function(a){ return {x: 1}; }", "n": "1 + 2", "s": "don't", "h": 31, "u": None, "e": -150.0}
    assert tolerant_literal("[1, 'a', {b: [2,]},]") == [1, "a", {"b": [2]}]


def test_assignments_calls_and_scalars():
    text = (
        "var countPage = 5//共多少页\nvar chnlid = '1813';\nlistModel({ channelid: SiteInfo.searchId, prepage: 15, });"
    )
    assert assigned_scalar(text, "countPage") == "5" and assigned_scalar(text, "chnlid") == "1813"
    assert assigned_scalar(text, "missing") is None
    assert call_argument(text, "listModel") == {"channelid": "SiteInfo.searchId", "prepage": 15}
    assert assigned_literal(text, "_CONFIG") is None  # nothing assigned: not an error


def test_a_literal_that_cannot_be_read_is_an_error_never_an_empty_value():
    with pytest.raises(InlineDataError):
        assigned_literal("window._CONFIG = { SID: '755031', TREE: [ {id: 1, name: ", "_CONFIG")
    with pytest.raises(InlineDataError):
        parse_literal("no literal here")


def test_scripts_and_their_literals():
    html = (
        '<script src="/a.js"></script><script type="text/xml"><datastore/></script>'
        "<script>var zNodes = [{id:1, name:'a'}]; $.fn.zTree.init($('#t'), setting, zNodes); x = {b: 2};</script>"
    )
    (body,) = script_bodies(html)
    assert literals_in(body) == [[{"id": 1, "name": "a"}], {"b": 2}]
