"""Languages are rows, not code: a fourth one is an INSERT."""

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Language(Base):
    __tablename__ = "languages"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # URL code: ua, en, ru
    bcp47: Mapped[str] = mapped_column(String(35), unique=True)  # uk, en, ru
    name: Mapped[str] = mapped_column(String(64))
    native_name: Mapped[str] = mapped_column(String(64))
    text_search: Mapped[str] = mapped_column(String(32), default="simple")
    fallbacks: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
