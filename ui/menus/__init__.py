"""One module per business area, each defining ``PAGES: list[PageSpec]`` (see ui/nav.py)."""
