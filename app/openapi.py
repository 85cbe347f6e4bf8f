"""Print the OpenAPI document the app serves: `python -m app.openapi > openapi/openapi.json`."""

import json
import sys

from app.config import Settings
from app.main import create_app


def document() -> str:
    spec = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:")).openapi()
    return json.dumps(spec, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document())
