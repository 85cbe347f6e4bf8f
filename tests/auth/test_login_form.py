"""The login form refuses text no e-mail holds (control characters) with a 422.

A NUL in `username` reached the user lookup and PostgreSQL, whose text cannot hold one,
answered 500 (issue 13, item 4).
"""

import httpx
import pytest

from tests.builders import problem
from tests.conftest import Credential

PASSWORD = "correct horse battery staple"


@pytest.mark.parametrize(
    "username",
    ["olena\x00@newsroom.example", "\x00", "olena@newsroom.example\x1f", "olena\x7f@x.example"],
)
async def test_control_characters_in_the_e_mail_are_422(
    client: httpx.AsyncClient, admin: Credential, username: str
) -> None:
    r = await client.post(
        "/v1/admin/users",
        json={"email": "olena@newsroom.example", "display_name": "Olena", "role": "editor",
              "password": PASSWORD},
        headers=admin.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    r = await client.post("/v1/auth/token", data={"username": username, "password": PASSWORD})
    body = problem(r, 422)
    assert body["errors"][0]["loc"] == ["body", "username"]
    # The real address still logs in: nothing was counted against it.
    r = await client.post(
        "/v1/auth/token", data={"username": "olena@newsroom.example", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "username", ["ʼ", "\U00017000@newsroom.example", "'; DROP TABLE users; --", "o" * 320]
)
async def test_odd_but_printable_e_mails_are_a_plain_401(
    client: httpx.AsyncClient, username: str
) -> None:
    r = await client.post("/v1/auth/token", data={"username": username, "password": PASSWORD})
    problem(r, 401)


async def test_the_contract_states_the_refusal(client: httpx.AsyncClient) -> None:
    contract = (await client.get("/openapi.json")).json()
    form = contract["components"]["schemas"]["TokenRequest"]["properties"]["username"]
    assert form["pattern"] == "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
