"""Writes sync/sources/month_names.py: month names of many languages, from CLDR (via Babel).

Run with Babel installed (it is not a dependency of kbsync; only this script needs it):

    python -m venv /tmp/b && /tmp/b/bin/pip install babel
    /tmp/b/bin/python contrib/data/month_names.py > sync/sources/month_names.py

Per language, every spelling a feed writes a month with in a date: CLDR's abbreviated and wide
names, in their format and stand-alone forms (Russian, Polish and Czech dates use the genitive
"января"), their last word (Catalan's "de gener"), without a final dot, case-folded; and the first three letters of each wide name
("set" for "setembro", "okt" for "oktober") where they name one month only. A spelling that
names two months within a language is left out (French "jui" is juin and juillet). A few
spellings in use that CLDR lacks are added (``EXTRA``).
"""

from __future__ import annotations

import re
import unicodedata

import babel
from babel.dates import get_month_names

# languages whose sites write RSS dates in their own words (Latin and Cyrillic scripts)
LANGUAGES = ("pt", "es", "fr", "de", "it", "nl", "ca", "ro", "sv", "da", "nb", "nn", "fi", "pl", "cs", "sk",
             "sl", "hr", "hu", "tr", "id", "ru", "uk")


# spellings in use that CLDR does not give: German's DIN 5008 "Mrz"
EXTRA = {"de": {"mrz": 3}}


def spellings(language: str) -> dict[str, int]:
    found: dict[str, set[int]] = {s: {m} for s, m in EXTRA.get(language, {}).items()}
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide"):
            for month, name in get_month_names(width, context, locale=language).items():
                # Catalan's format names are "de gener", "d’octubre": the month is the last word
                name = re.split(r"[\s’']", name.strip())[-1]
                # as written, without accents, and as its capitals fold (Turkish "MAYIS" is "mayis",
                # not "mayıs")
                for spelling in {name, unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode(),
                                 name.upper()}:
                    spelling = spelling.casefold().rstrip(".").strip()
                    if spelling:
                        found.setdefault(spelling, set()).add(month)
                        if width == "wide" and len(spelling) > 3:
                            found.setdefault(spelling[:3], set()).add(month)
    return {s: next(iter(months)) for s, months in sorted(found.items()) if len(months) == 1}


def main() -> None:
    print('"""Month names of many languages as feeds write them in dates (generated: do not edit).')
    print()
    print(f"From CLDR, via Babel {babel.__version__}, by contrib/data/month_names.py (see there).")
    print('"""')
    print()
    print("MONTHS: dict[str, dict[str, int]] = {")
    for language in LANGUAGES:
        items = ", ".join(f"{s!r}: {m}" for s, m in spellings(language).items())
        print(f"    {language!r}: {{{items}}},")
    print("}")


if __name__ == "__main__":
    main()
