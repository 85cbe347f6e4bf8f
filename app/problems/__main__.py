"""`python -m app.problems`: print `docs/errors.md` (the catalogue, for people)."""

import sys

from app.problems.catalogue import markdown

sys.stdout.write(markdown())
