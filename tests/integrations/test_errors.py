import pytest

from integrations import errors


@pytest.mark.parametrize(
    ("cls", "code", "retryable"),
    [
        (errors.Unauthorized, "unauthorized", False),
        (errors.Forbidden, "forbidden", False),
        (errors.RateLimited, "rate_limited", True),
        (errors.ServerError, "server_error", True),
        (errors.Timeout, "timeout", True),
        (errors.HostUnreachable, "host_unreachable", True),
        (errors.MalformedResponse, "malformed_response", True),
        (errors.RequestRejected, "request_rejected", False),
        (errors.OutcomeUnknown, "outcome_unknown", False),
        (errors.AccountMismatch, "account_mismatch", False),
    ],
)
def test_codes_and_retryability(cls: type[errors.SalesSiteError], code: str, retryable: bool) -> None:
    error = cls()
    assert isinstance(error, errors.SalesSiteError)
    assert error.code == code
    assert error.retryable is retryable
    assert (cls in errors.RETRYABLE_ERRORS) is retryable
    assert error.message


def test_business_error_carries_return_code() -> None:
    error = errors.BusinessError("refused", return_code="2003", site_message="기간 초과", api="209")
    assert error.return_code == "2003"
    assert error.as_dict() == {
        "message": "refused",
        "code": "business_error",
        "extra": {"return_code": "2003", "site_message": "기간 초과", "api": "209"},
    }


def test_rate_limited_default_and_dict() -> None:
    error = errors.RateLimited(retry_after=12.0)
    assert error.retry_after == 12.0
    assert error.as_dict()["extra"]["retry_after"] == 12.0


def test_forbidden_names_the_server_ips_to_register_once(settings) -> None:
    import pickle

    settings.SMARTSHIP_SERVER_IPS = ["203.0.113.10", "2001:db8::1"]
    error = errors.Forbidden("LotteON refused this server. Register the portal's server IPs, then save.")
    assert error.server_ips == ["203.0.113.10", "2001:db8::1"]
    assert error.message == ("LotteON refused this server. Register the portal's server IPs, then save. "
                             "Server IPs to register: 203.0.113.10;2001:db8::1.")
    assert str(error) == error.message and error.as_dict()["message"] == error.message
    assert pickle.loads(pickle.dumps(error)).message == error.message, "not named twice when rebuilt"
