"""Logging in and out (`/v1/auth/...`): bearer tokens for users (API keys: `app.apikeys`)."""

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from app.audit import hook as audit
from app.auth import service, throttle
from app.auth.deps import CHALLENGE, PrincipalDep, bearer
from app.auth.schemas import TokenRead, TokenRequest
from app.auth.service import Principal
from app.db import SessionDep
from app.errors import Forbidden, TooManyRequests, Unauthorized, problem_responses
from app.ops import metrics

router = APIRouter(prefix="/v1/auth", tags=["auth"])


# RFC 6749 §5.1: a response carrying a token is never stored by any cache.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_NO_STORE_HEADERS = {
    "Cache-Control": {"description": "`no-store`: no cache keeps the token.",
                      "schema": {"type": "string", "enum": ["no-store"]}, "required": True},
    "Pragma": {"description": "`no-cache`, for HTTP/1.0 caches.",
               "schema": {"type": "string", "enum": ["no-cache"]}, "required": True},
}  # fmt: skip


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _logged_in_user(principal: Principal) -> uuid.UUID:
    """The user behind a login token; API keys have no session to end."""
    if principal.user_id is None:
        raise Forbidden(
            "This credential is an API key, not a login token: logging out does not apply "
            "to it. An administrator revokes it with "
            f"DELETE /v1/admin/api-keys/{principal.id}."
        )
    return principal.user_id


@router.post(
    "/token",
    operation_id="createToken",
    summary="Log in",
    response_model=TokenRead,
    responses={200: {"headers": _NO_STORE_HEADERS}, **problem_responses(401, 422, 429)},
)
async def create_token(
    form: Annotated[TokenRequest, Form()],
    request: Request,
    response: Response,
    session: SessionDep,
) -> TokenRead:
    """Log in with e-mail (`username`) and password; returns a bearer token."""
    address = _address(request)
    retry = await throttle.retry_after(
        request.app.state.rate_limits, session, email=form.username, address=address
    )
    if retry is not None:
        metrics.count(metrics.RATE_LIMITED, "login")
        raise TooManyRequests(
            "Too many login attempts; retry later.", headers={"Retry-After": str(retry)}
        )
    ttl = timedelta(minutes=request.app.state.settings.token_ttl_minutes)
    issued = await service.login(
        session, email=form.username, password=form.password, ttl=ttl, address=address
    )
    # Audited as the e-mail tried (never the password): a failure in its own transaction.
    actor = f"user:{form.username.strip().lower()}"
    if issued is None:
        audit.note_failure(session, request, actor=actor, action="createTokenFailed")
        # The same answer for an unknown e-mail, a wrong password and a deactivated user.
        raise Unauthorized("The e-mail or the password is wrong.", headers=CHALLENGE)
    token, _, user_id = issued
    audit.note(session, actor=actor, object_type="user", object_id=user_id)
    response.headers.update(NO_STORE)
    return TokenRead(
        access_token=token,
        token_type="bearer",  # noqa: S106 - the OAuth2 token type
        expires_in=int(ttl.total_seconds()),
    )


@router.delete(
    "/token",
    operation_id="revokeToken",
    summary="Log out",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_token(principal: PrincipalDep, session: SessionDep, request: Request) -> Response:
    """Log out: the token used for this request stops working at once (not for API keys)."""
    _logged_in_user(principal)
    credentials = await bearer(request)
    if credentials is not None:
        await service.revoke_token(session, credentials.credentials)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/tokens",
    operation_id="revokeAllTokens",
    summary="Log out everywhere",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 429),
)
async def revoke_all_tokens(principal: PrincipalDep, session: SessionDep) -> Response:
    """Log out everywhere: every token of the caller stops working, this one included."""
    await service.revoke_user_tokens(session, _logged_in_user(principal))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
