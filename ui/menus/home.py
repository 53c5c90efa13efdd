"""The shell's own pages in the navigation: home and the user's account pages."""

from ui.pages import ACCOUNT_PAGES, HOME

PAGES = [HOME, ACCOUNT_PAGES["password"], ACCOUNT_PAGES["preferences"]]
