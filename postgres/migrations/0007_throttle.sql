-- One throttle: the activation throttle's failure counters (throttle_failures)
-- and quick login's counters (auth_counters) become one table of fixed-window
-- counters, with the time of the latest event for progressive delays.
-- Quick-login challenges are no longer stored when issued (they are signed
-- by the server); only spent ones are, until they expire, so that each is
-- used once.

CREATE TABLE throttle_counters (
    name        TEXT PRIMARY KEY,
    count       BIGINT NOT NULL,
    window_end  BIGINT NOT NULL,   -- the count is void from then on
    last_at     BIGINT NOT NULL    -- the latest event
);
CREATE INDEX throttle_counters_end ON throttle_counters(window_end);

INSERT INTO throttle_counters (name, count, window_end, last_at)
    SELECT name, failures, window_end, window_start FROM throttle_failures;
-- auth_counters held only quick login's failures per address (15-minute
-- windows, keys 'ql-fail:<address>'); they keep counting under the new name.
INSERT INTO throttle_counters (name, count, window_end, last_at)
    SELECT 'quick/addr/' || substr(key, 9), count, window_start + 900000, window_start
    FROM auth_counters WHERE key LIKE 'ql-fail:%'
    ON CONFLICT (name) DO NOTHING;

DROP TABLE throttle_failures;
DROP TABLE auth_counters;

CREATE TABLE quick_login_spent (
    challenge_hash  TEXT PRIMARY KEY,   -- SHA-256 of the challenge bytes
    expires_at      BIGINT NOT NULL
);
CREATE INDEX quick_login_spent_expiry ON quick_login_spent(expires_at);
DROP TABLE quick_login_challenges;
