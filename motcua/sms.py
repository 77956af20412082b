"""SMS gateways: a class with ``send(phone, text)`` named by the ``MOTCUA_SMS_BACKEND`` setting (env
``SMS_BACKEND``), used by the staff digest (reports.notify) and the applicants' messages (notices).

Two are bundled: ``ConsoleSMSBackend`` (development: the message is written on the console) and
``HTTPSMSBackend`` (a provider's HTTP API: ``{phone, text}`` posted as JSON or as a form to
``SMS_HTTP_URL`` with basic authentication). A gateway that refuses a message raises
``SMSGatewayError`` whose message is the gateway's own reason, which the delivery log keeps.
"""
from __future__ import annotations

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

DEFAULT_SMS_BACKEND = "motcua.sms.ConsoleSMSBackend"
# How much of a failure's reason is kept: of a gateway's answer here, of any error in the message log
# (notices.services). One length for both, so a gateway's reason is never cut twice.
REASON_CHARS = 500


class SMSBackend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class SMSGatewayError(Exception):
    """The gateway did not take the message; the message says why (the gateway's own words where it gave any)."""


class ConsoleSMSBackend:
    """Writes each SMS to the console (standard output), as Django's console e-mail backend does."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, phone: str, text: str) -> None:
        self.stream.write(f"SMS to {phone}: {text}\n")
        self.stream.flush()


class HTTPSMSBackend:
    """A provider's HTTP API: POST ``{"phone": …, "text": …}`` to ``SMS_HTTP_URL`` (JSON, or a form with
    ``SMS_HTTP_FORMAT=form``), with basic authentication (``SMS_HTTP_USER``, ``SMS_HTTP_PASSWORD``) and a
    timeout (``SMS_HTTP_TIMEOUT`` seconds). Any 2xx answer is a success; anything else, or no answer,
    raises ``SMSGatewayError`` with the status and the gateway's reason."""

    def __init__(self, *, url: str | None = None, user: str | None = None, password: str | None = None,
                 timeout: float | None = None, body_format: str | None = None):
        self.url = url if url is not None else getattr(settings, "SMS_HTTP_URL", "")
        self.user = user if user is not None else getattr(settings, "SMS_HTTP_USER", "")
        self.password = password if password is not None else getattr(settings, "SMS_HTTP_PASSWORD", "")
        self.timeout = timeout if timeout is not None else getattr(settings, "SMS_HTTP_TIMEOUT", 10)
        self.body_format = body_format or getattr(settings, "SMS_HTTP_FORMAT", "json")
        if not self.url:
            raise ImproperlyConfigured("HTTPSMSBackend needs SMS_HTTP_URL, the address of the SMS gateway.")
        if self.body_format not in ("json", "form"):
            raise ImproperlyConfigured(f"SMS_HTTP_FORMAT must be 'json' or 'form', not {self.body_format!r}")

    def _request(self, phone: str, text: str) -> urllib.request.Request:
        if self.body_format == "json":
            body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
            content_type = "application/json; charset=utf-8"
        else:
            body = urllib.parse.urlencode({"phone": phone, "text": text}).encode()
            content_type = "application/x-www-form-urlencoded; charset=utf-8"
        request = urllib.request.Request(self.url, data=body, method="POST", headers={"Content-Type": content_type})
        if self.user or self.password:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            request.add_header("Authorization", f"Basic {token}")
        return request

    def send(self, phone: str, text: str) -> None:
        try:
            with urllib.request.urlopen(self._request(phone, text), timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:  # a non-2xx answer (urllib follows redirects)
            raise SMSGatewayError(f"HTTP {error.code}: {gateway_reason(error.read(), error.reason)}") from None
        except (urllib.error.URLError, OSError) as error:  # refused, unreachable, timed out
            reason = getattr(error, "reason", error)
            raise SMSGatewayError(f"The gateway did not answer: {reason}") from None


def gateway_reason(body: bytes, default: str = "") -> str:
    """The gateway's reason from its answer: an ``error`` / ``message`` / ``reason`` of a JSON body, else
    the body's text, shortened."""
    text = body.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "reason", "detail"):
            if data.get(key):
                text = str(data[key])
                break
    text = " ".join(text.split()) or str(default or "")
    return text[:REASON_CHARS]


def get_sms_backend() -> SMSBackend:
    return import_string(getattr(settings, "MOTCUA_SMS_BACKEND", DEFAULT_SMS_BACKEND))()
