from typing import Literal

from pydantic import BaseModel, ConfigDict

from app.kit.examples import examples


class Health(BaseModel):
    """The process (healthz) or the process and its database (readyz) are fine."""

    model_config = ConfigDict(json_schema_extra=examples({"status": "ok"}))

    status: Literal["ok"]
