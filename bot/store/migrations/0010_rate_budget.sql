-- The rate budget that every process of the bot shares: Discord allows a bot about 50 requests
-- a second in all, however many processes it runs. One row per budget (``name``: 'discord', the
-- global limit). ``next_at`` is the first instant not yet given out, in Unix seconds: a process
-- takes the next few slots of one grid (``next_at`` moves on by one interval per slot), so the
-- requests of every process together are spaced evenly, and a process that asks for nothing
-- takes nothing. After a global 429 a process moves ``next_at`` past the limit's reset, and
-- every process waits.
-- Written to run unchanged on PostgreSQL too (DOUBLE PRECISION is SQLite's REAL).
CREATE TABLE rate_budget (
    name TEXT PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);
