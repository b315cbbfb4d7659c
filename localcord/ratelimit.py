"""Discord-style rate limits: per-route buckets, the global limit, injected faults.

* Per-route buckets are fixed windows keyed by (rule, major parameters) — the major
  parameters are channel_id, guild_id and webhook_id/token, as on Discord.
* The global limit is 50 requests per second across all routes except interaction
  callbacks and interaction webhooks.
* Injections let a test force "the next N requests to route X answer 429/5xx".

Headers as Discord sends them: every answer on a limited route carries X-RateLimit-Limit,
-Remaining, -Reset (epoch seconds, to the millisecond), -Reset-After and -Bucket, so Reset minus
Reset-After is the instant the server handled the request; a route's 429 adds Retry-After and
X-RateLimit-Scope; the global limit has no header of its own until its 429, which carries only
Retry-After, X-RateLimit-Global and X-RateLimit-Scope: global (and ``retry_after`` in the body).

Route patterns are written like ``"POST /channels/*/messages"`` (the method is
optional). ``*`` and ``{name}`` match one path segment, ``**`` matches anything.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def compile_pattern(pattern: str) -> tuple[str | None, re.Pattern[str]]:
    method: str | None = None
    pattern = pattern.strip()
    if " " in pattern:
        method, pattern = pattern.split(None, 1)
        method = method.upper()
        if method == "*":
            method = None
    pattern = re.sub(r"\{[^}/]*\}", "*", pattern)
    if pattern.startswith("/api/v10"):
        pattern = pattern[len("/api/v10") :]
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return method, re.compile("".join(out) + "/?$")


@dataclass
class Rule:
    pattern: str
    limit: int
    per: float
    method: str | None = None
    regex: re.Pattern[str] = field(init=False)
    bucket_hash: str = field(init=False)

    def __post_init__(self) -> None:
        m, self.regex = compile_pattern(self.pattern)
        if self.method is None:
            self.method = m
        self.bucket_hash = hashlib.sha1(f"{self.method} {self.pattern}".encode()).hexdigest()[:32]

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.regex.match(path))


@dataclass
class Bucket:
    limit: int
    per: float
    remaining: int
    reset_at: float


@dataclass
class Injection:
    pattern: str
    count: int
    status: int = 429
    retry_after: float = 0.1
    global_: bool = False
    via: bool = True
    scope: str = "user"
    method: str | None = field(init=False)
    regex: re.Pattern[str] = field(init=False)
    hits: int = 0

    def __post_init__(self) -> None:
        self.method, self.regex = compile_pattern(self.pattern)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.regex.match(path))


@dataclass
class Decision:
    """Result of a rate-limit check. ``status`` is None when the request may proceed."""

    headers: dict[str, str]
    status: int | None = None
    body: dict | None = None


DEFAULT_RULES = [
    # Discord: 5 messages / 5 s per channel.
    Rule("/channels/*/messages", 5, 5.0, method="POST"),
    Rule("/channels/*/messages/*", 5, 5.0, method="PATCH"),
    Rule("/channels/*/messages/*", 5, 1.0, method="DELETE"),
    # Announcement publishing: 10 per hour per channel.
    Rule("/channels/*/messages/*/crosspost", 10, 3600.0, method="POST"),
    # Channel name/topic edits: 2 per 10 minutes per channel.
    Rule("/channels/*", 2, 600.0, method="PATCH"),
    Rule("/channels/*/messages/*/threads", 10, 10.0, method="POST"),
]

DEFAULT_LIMIT = 50
DEFAULT_PER = 1.0

_MAJOR = ("channel_id", "guild_id", "webhook_id", "webhook_token", "interaction_id", "interaction_token")
_GLOBAL_EXEMPT = ("/interactions/", "/webhooks/")


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.routes_enabled = True
        self.global_enabled = True
        self.global_limit = 50
        self.global_per = 1.0
        self.rules: list[Rule] = list(DEFAULT_RULES)
        self.buckets: dict[tuple[str, tuple[str, ...]], Bucket] = {}
        self.injections: list[Injection] = []
        self._rule_cache: dict[tuple[str, str], Rule] = {}
        self._global_window = 0.0
        self._global_count = 0

    # ---------------------------------------------------------------- configuration

    def set_rule(self, pattern: str, limit: int, per: float) -> Rule:
        rule = Rule(pattern, limit, per)
        self.rules.insert(0, rule)
        self._rule_cache.clear()
        self.buckets.clear()
        return rule

    def inject(self, injection: Injection) -> Injection:
        self.injections.append(injection)
        return injection

    def reset(self) -> None:
        self.buckets.clear()
        self._global_count = 0

    def _rule_for(self, method: str, template: str) -> Rule:
        key = (method, template)
        rule = self._rule_cache.get(key)
        if rule is None:
            for candidate in self.rules:
                if candidate.matches(method, template):
                    rule = candidate
                    break
            else:
                rule = Rule(template, DEFAULT_LIMIT, DEFAULT_PER, method=method)
            self._rule_cache[key] = rule
        return rule

    # ------------------------------------------------------------------------ checks

    def check_injection(self, method: str, path: str) -> Decision | None:
        if not self.injections:
            return None
        for inj in self.injections:
            if inj.count > 0 and inj.matches(method, path):
                inj.count -= 1
                inj.hits += 1
                if inj.count <= 0:
                    self.injections.remove(inj)
                if inj.status == 429:
                    headers = {
                        "Retry-After": str(max(1, math.ceil(inj.retry_after))),
                        "X-RateLimit-Scope": "global" if inj.global_ else inj.scope,
                    }
                    if inj.global_:
                        headers["X-RateLimit-Global"] = "true"
                    else:
                        headers.update(
                            {
                                "X-RateLimit-Limit": "1",
                                "X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": f"{time.time() + inj.retry_after:.3f}",
                                "X-RateLimit-Reset-After": f"{inj.retry_after:.3f}",
                                # Discord sends a route's usual headers with its 429, bucket too
                                "X-RateLimit-Bucket": hashlib.sha1(inj.pattern.encode()).hexdigest()[:32],
                            }
                        )
                    if inj.via:
                        headers["Via"] = "1.1 google"
                    body = {
                        "message": "You are being rate limited.",
                        "retry_after": inj.retry_after,
                        "global": inj.global_,
                    }
                    if inj.global_:
                        body["code"] = 0
                    return Decision(headers=headers, status=429, body=body)
                reason = {
                    500: "Internal Server Error",
                    502: "Bad Gateway",
                    503: "Service Unavailable",
                    504: "Gateway Timeout",
                }
                return Decision(
                    headers={"Via": "1.1 google"},
                    status=inj.status,
                    body={"message": f"{inj.status}: {reason.get(inj.status, 'Server Error')}", "code": 0},
                )
        return None

    def check(self, method: str, path: str, template: str, params: dict[str, str]) -> Decision:
        now = self.clock()
        if self.global_enabled and not any(x in path for x in _GLOBAL_EXEMPT):
            if now >= self._global_window + self.global_per:
                self._global_window = now
                self._global_count = 0
            if self._global_count >= self.global_limit:
                retry = max(0.001, self._global_window + self.global_per - now)
                return Decision(
                    headers={
                        "Retry-After": str(max(1, math.ceil(retry))),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                        "Via": "1.1 google",
                    },
                    status=429,
                    body={
                        "message": "You are being rate limited.",
                        "retry_after": round(retry, 3),
                        "global": True,
                        "code": 0,
                    },
                )
            self._global_count += 1
        if not self.routes_enabled:
            return Decision(headers={})
        rule = self._rule_for(method, template)
        major = tuple(params[k] for k in _MAJOR if k in params)
        key = (rule.bucket_hash, major)
        bucket = self.buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            bucket = Bucket(rule.limit, rule.per, rule.limit, now + rule.per)
            self.buckets[key] = bucket
        reset_after = max(0.0, bucket.reset_at - now)
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": rule.bucket_hash,
        }
        if bucket.remaining <= 0:
            headers["X-RateLimit-Remaining"] = "0"
            headers["X-RateLimit-Scope"] = "user"
            headers["Retry-After"] = str(max(1, math.ceil(reset_after)))
            headers["Via"] = "1.1 google"
            return Decision(
                headers=headers,
                status=429,
                body={
                    "message": "You are being rate limited.",
                    "retry_after": round(max(reset_after, 0.001), 3),
                    "global": False,
                },
            )
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return Decision(headers=headers)
