"""User data inside Streamlit widgets that interpret markdown (st.markdown, st.write, st.caption, st.info,
st.success, st.warning, st.error, st.toast, st.title/header/subheader, st.metric and st.expander labels...).

A customer's contact name, an address, a remark or a failed-login username typed by anyone is DATA: shown as the
characters it holds, never as a link, an image (which the reader's browser would fetch), a heading, a colour
directive or a formula. Put every such value through :func:`md_escape` (or build the line with :func:`text_line` /
:func:`md`) before it reaches one of those widgets. tests/ui/test_markdown_safety.py scans pages/ and ui/ for
markdown calls that interpolate anything else."""

from __future__ import annotations

import re

from ui.i18n import tr

# Characters that open markup anywhere in a line: emphasis, code, links and images ([ ] !), raw HTML and autolinks
# (< >), tables, strike-through, entities, Streamlit's ":material/x:" / ":red[...]" directives and "$math$".
# CommonMark shows a backslash-escaped ASCII punctuation character as itself.
_INLINE = re.compile(r"([\\`*_\[\]<>!|~&:$])")
# Constructs that only count at the start of a line: an ordered list ("1." / "1)"), headings, lists, quotes,
# setext underlines.
_ORDERED = re.compile(r"(\s*\d+)([.)])")
_BLOCK = re.compile(r"(\s*)([#+=-])")


def _escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line)
    if m := _ORDERED.match(line):
        return f"{m.group(1)}\\{m.group(2)}{line[m.end():]}"
    if m := _BLOCK.match(line):
        return f"{m.group(1)}\\{m.group(2)}{line[m.end():]}"
    return line


def md_escape(value: object) -> str:
    """``value`` as literal text for a markdown-interpreting widget: every character that could start markdown,
    HTML or a Streamlit directive is backslash-escaped (so ``![x](http://e/x.png)`` shows exactly those
    characters), and line breaks stay line breaks instead of starting block syntax. None shows as empty."""
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "  \n".join(_escape_line(line) for line in text.split("\n"))  # a hard line break


def md(key: str, /, **params: object) -> str:
    """The catalog text of ``key`` with every parameter escaped: for a message that carries user data into a
    markdown-interpreting widget (the catalog's own text keeps its formatting)."""
    return tr(key, **{k: md_escape(v) for k, v in params.items()})


def text_line(label: str, value: object) -> str:
    """A "**label:** value" line: the label is the interface's own text (bold), the value is data (literal)."""
    return f"**{label}:** {md_escape(value)}"


def error_md(err, locale: str | None = None) -> str:
    """A DomainError as a sentence in the reader's language (erp_core.i18n.render_error) with its parameters
    escaped: an error may quote what the user typed (a code, a name, a cell of an imported file)."""
    from erp_core.i18n import has, t
    from erp_core.kernel.errors import ValidationErrors
    from ui.context import locale as current_locale

    loc = locale or current_locale()
    params = {k: md_escape(t(v, loc) if isinstance(v, str) and has(v) else v) for k, v in err.params.items()}
    text = t(err.message_id, loc, **params)
    if isinstance(err, ValidationErrors):
        text += "\n" + "\n".join("• " + error_md(e, loc) for e in err.errors)
    return text
