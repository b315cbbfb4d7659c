-- PostgreSQL twin of ../0010_rate_budget.sql.
CREATE TABLE rate_budget (
    name TEXT COLLATE "C" PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);
