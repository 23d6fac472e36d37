"""The outbox (ARCHITECTURE "Patterns"): what must reach the outside world is written as a row
in the transaction that causes it, then sent by the scheduler with retries and backoff.

Nothing is sent for a change that rolled back (the row rolled back with it) and nothing is lost
when a process dies after the commit (the row is there). Each message is keyed: enqueuing the
same (topic, key) twice writes one row, so a retried business operation never sends twice.
"""
