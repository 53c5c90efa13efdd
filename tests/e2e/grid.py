"""Typing into an st.data_editor grid in a real browser. The grid (glide-data-grid) draws its cells on a canvas;
beside it, it renders an accessible table with the column headers. As a user does: click a cell of the row (the
first column, at the canvas position of that row: every row is 35 px high under a 35 px header), move to the
column with the arrow keys, press Enter (the cell's editor opens: an input in an overlay), fill it and press Enter,
which commits the edit and sends it to the server (a rerun). (Typing straight onto a selected cell opens the
editor with the first key, and on a loaded machine the next keys could land before the editor had the focus:
"2260" arrived as "60".) Streamlit's own end-to-end tests click cells
the same way (e2e_playwright/shared/dataframe_utils.py: cells found by their position on the canvas)."""

from __future__ import annotations

ROW_PX = 35  # glide-data-grid's row height in st.data_editor (the header row too)


def type_into_grid(page, key: str, row: int, column: str, text: str) -> None:
    """Type ``text`` into the cell of data row ``row`` (0 = the first under the header) and the column titled
    ``column`` of the st.data_editor whose widget key is ``key``, and commit it with Enter."""
    from playwright.sync_api import expect

    grid = page.locator(f".st-key-{key}")
    canvas = grid.locator("canvas").first
    expect(canvas).to_be_visible()
    headers = grid.locator("table[role=grid] th")
    expect(headers.first).to_be_attached()
    titles = [headers.nth(i).inner_text().strip() for i in range(headers.count())]
    col = titles.index(column)
    page.wait_for_timeout(300)  # the canvas settles (its size follows the page's layout)
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2)
    page.wait_for_timeout(200)
    for _ in range(col):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # opens the cell's editor (an input in an overlay)
    editor = page.get_by_test_id("portal").locator(".gdg-clip-region").locator("textarea, input").first
    expect(editor).to_be_visible()
    editor.fill(text)
    expect(editor).to_have_value(text)
    editor.press("Enter")  # commits the edit: the grid sends it, the page reruns
    expect(editor).to_have_count(0)
    _settled(page)


def _settled(page) -> None:
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidgetRunningIcon")).to_have_count(0)
