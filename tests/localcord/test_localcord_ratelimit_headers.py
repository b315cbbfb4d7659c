"""localcord's rate-limit headers are Discord's (docs: topics/rate-limits), nothing more: what a
client paces from (the pacer reads the server's time as Reset minus Reset-After)."""

from __future__ import annotations

import time

from localcord.ratelimit import Injection, RateLimiter

ROUTE = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-RateLimit-Reset-After")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def post(limiter: RateLimiter, channel: str = "1"):
    path = f"/channels/{channel}/messages"
    return limiter.check("POST", path, "/channels/{channel_id}/messages", {"channel_id": channel})


def test_an_answer_carries_the_route_headers_and_no_global_one() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    before = time.time()
    decision = post(limiter)
    after = time.time()
    assert decision.status is None
    assert set(decision.headers) == {*ROUTE, "X-RateLimit-Bucket"}
    h = decision.headers
    assert (h["X-RateLimit-Limit"], h["X-RateLimit-Remaining"], h["X-RateLimit-Reset-After"]) == (
        "5",
        "4",
        "5.000",
    )
    handled = float(h["X-RateLimit-Reset"]) - float(h["X-RateLimit-Reset-After"])
    assert before - 0.001 <= handled <= after + 0.001  # the server's time of the answer, to the ms
    clock.now += 1.25
    h = post(limiter).headers
    assert (h["X-RateLimit-Remaining"], h["X-RateLimit-Reset-After"]) == ("3", "3.750")


def test_a_route_429_adds_retry_after_and_scope() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    for _ in range(5):
        assert post(limiter).status is None
    clock.now += 0.5
    decision = post(limiter)
    assert decision.status == 429 and decision.body is not None
    assert decision.headers["X-RateLimit-Scope"] == "user" and decision.headers["Retry-After"] == "5"
    assert decision.headers["X-RateLimit-Remaining"] == "0" and "X-RateLimit-Global" not in decision.headers
    assert decision.body["retry_after"] == 4.5 and decision.body["global"] is False


def test_the_global_429_says_only_when_the_window_resets() -> None:
    clock = Clock()
    limiter = RateLimiter(clock)
    for i in range(50):
        assert post(limiter, str(i)).status is None
    clock.now += 0.75
    decision = post(limiter, "99")
    assert decision.status == 429 and decision.body is not None
    assert {k for k in decision.headers if k.startswith("X-RateLimit")} == {
        "X-RateLimit-Global",
        "X-RateLimit-Scope",
    }
    assert decision.headers["X-RateLimit-Scope"] == "global" and decision.headers["Retry-After"] == "1"
    assert decision.body["retry_after"] == 0.25 and decision.body["global"] is True
    clock.now += 0.25  # the window started with its first request: a new one now
    assert post(limiter, "99").status is None


def test_an_injected_route_429_has_the_route_headers_bucket_included() -> None:
    limiter = RateLimiter(Clock())
    limiter.inject(Injection("POST /channels/*/messages", 1, retry_after=0.5))
    decision = limiter.check_injection("POST", "/channels/1/messages")
    assert decision is not None and decision.status == 429
    assert {*ROUTE, "X-RateLimit-Bucket", "X-RateLimit-Scope", "Retry-After"} <= set(decision.headers)
