"""Fill the English catalogue: a new message's English text is its id, until someone rewords it there.

Run by `make i18n` after `pybabel update`; the French catalogue is written by hand.
Usage: python tools/i18n_english.py engine/locale/en/LC_MESSAGES/policy.po
"""

from __future__ import annotations

import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> int:
    with open(path, "rb") as f:
        catalog = read_po(f)
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as f:
        write_po(f, catalog, width=120, omit_header=False, sort_output=True, include_previous=False)
    return filled


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {fill(name)} English message(s) filled from their ids")
