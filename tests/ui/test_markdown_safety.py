"""User data never reaches a markdown-interpreting widget unescaped (issue 11 item 7).

Streamlit renders markdown in st.markdown, st.write, st.caption, the alert boxes, st.toast, titles and headers,
expander, tab, popover and metric labels. A value typed by a user (a contact's name, an address, a failed login's
username) placed there becomes a live link, or an image the reader's browser fetches from anywhere. The scan below
reads pages/, ui/ and app.py: inside such a call, every value put into an f-string, a concatenation, a
``.format()``/``%`` or the parameters of a catalog text must be a constant or pass through ui.safe (md_escape, md,
text_line) or a number/date formatter. A bare variable passed whole is left to review (the scan cannot know where
it came from); the rule is about building markdown from data."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKDOWN_CALLS = {"markdown", "write", "caption", "info", "success", "warning", "error", "toast", "title", "header",
                  "subheader", "expander", "metric", "popover", "tabs", "exception", "badge", "page_link",
                  "flash", "succeed",  # ui helpers that show the message in st.success after a rerun
                  # widget labels take bold, italics, links and IMAGES (drawn at text height: still fetched)
                  "button", "checkbox", "toggle", "download_button", "form_submit_button", "link_button", "radio",
                  "selectbox", "multiselect", "text_input", "number_input", "text_area", "date_input",
                  "time_input", "slider", "select_slider", "file_uploader", "color_picker", "segmented_control",
                  "pills"}
SAFE_CALLS = {"md_escape", "md", "text_line", "error_md", "money", "date", "datetime", "format_money",
              "format_number", "format_date", "format_datetime", "money_text", "len", "int", "float", "round",
              "sum", "min", "max", "abs", "count"}
TEXT_CALLS = {"tr", "t"}  # catalog texts: safe themselves, their parameters are checked


def _safe(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_safe(v.value) if isinstance(v, ast.FormattedValue) else True for v in node.values)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mult) and isinstance(node.left, ast.Constant):
            return True  # "&emsp;" * depth: a constant repeated
        return _safe(node.left) and _safe(node.right)
    if isinstance(node, ast.UnaryOp):
        return _safe(node.operand)
    if isinstance(node, ast.IfExp):
        return _safe(node.body) and _safe(node.orelse)
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in SAFE_CALLS:
            return True
        if name in TEXT_CALLS:
            return all(_safe(k.value) for k in node.keywords if k.arg is not None)
        if name == "format" and isinstance(func, ast.Attribute):
            return _safe(func.value) and all(_safe(a) for a in node.args) and all(_safe(k.value) for k in node.keywords)
        if name == "join" and isinstance(func, ast.Attribute) and len(node.args) == 1:
            items = node.args[0]
            if isinstance(items, ast.GeneratorExp | ast.ListComp):
                return _safe(items.elt)
            if isinstance(items, ast.List | ast.Tuple):
                return all(_safe(e) for e in items.elts)
            return isinstance(items, ast.Name)  # a list built elsewhere, passed whole
        return False
    return False  # a variable, attribute or subscript interpolated into markdown


def _built(node: ast.AST) -> bool:
    """Is ``node`` markdown built from parts (as opposed to one variable passed whole)?"""
    if isinstance(node, ast.JoinedStr | ast.BinOp | ast.Subscript | ast.Attribute):
        return True  # built here, or a record's field / a looked-up value passed whole
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        return name in TEXT_CALLS | {"format", "join", "render_error"}
    if isinstance(node, ast.IfExp):
        return _built(node.body) or _built(node.orelse)
    return False


def markdown_violations(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else \
            node.func.id if isinstance(node.func, ast.Name) and node.func.id in ("flash", "succeed") else None
        if name not in MARKDOWN_CALLS:
            continue
        first = [] if name == "page_link" else list(node.args[:1])  # page_link(page, label=...)
        args = first + [k.value for k in node.keywords if k.arg in ("body", "label")]
        if name == "tabs" and node.args and isinstance(node.args[0], ast.List | ast.Tuple):
            args = list(node.args[0].elts)
        for arg in args:
            parts = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
            for part in parts:
                if _built(part) and not _safe(part):
                    found.append(f"{filename}:{node.lineno}: {ast.unparse(part)[:120]}")
    return found


def _sources() -> list[Path]:
    return sorted([*(ROOT / "pages").rglob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"])


def test_no_markdown_widget_builds_its_text_from_unescaped_data():
    found = []
    for path in _sources():
        found += markdown_violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "user data into markdown without ui.safe.md_escape:\n" + "\n".join(found)


def test_the_scan_catches_the_patterns_it_is_for():
    bad = [
        'st.markdown(f"**{c.name}** {c.phone}")',
        'st.caption(tr("x.y", name=row.name))',
        'st.info("name: " + contact["name"])',
        'c1.write("{} {}".format(a.b, c))',
        'with st.expander(f"{contact.name}"): pass',
        'st.metric(label=f"{x}", value=1)',
        'st.error(render_error(err, loc))',
        'st.subheader(names[chosen])',
        'st.write(contact.name)',
    ]
    for line in bad:
        assert markdown_violations(line, "t.py"), line
    good = [
        'st.markdown(f"**{md_escape(c.name)}** {money(v)}")',
        'st.caption(tr("x.y", n=len(rows)))',
        'st.info(md("x.y", name=row.name))',
        'st.write(text_line(tr("a"), c.name))',
        'st.title(tr("nav.x"))',
        'st.error(message)',
        'st.error(error_md(err))',
    ]
    for line in good:
        assert not markdown_violations(line, "t.py"), line
