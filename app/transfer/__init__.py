"""Content in and out: the JSON Lines export and import (docs/import-export.md)."""
