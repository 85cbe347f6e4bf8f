from pydantic import Field

from app.kit.schema import ReadSchema


class LanguageRead(ReadSchema):
    code: str = Field(description="The code in URLs.", examples=["ua"])
    bcp47: str = Field(description="BCP 47 tag for browsers and crawlers.", examples=["uk"])
    name: str = Field(examples=["Ukrainian"])
    native_name: str = Field(examples=["Українська"])
    fallbacks: list[str] = Field(
        description="Language codes to try, in order, when negotiating.", examples=[["en"]]
    )


class LanguageList(ReadSchema):
    items: list[LanguageRead]
