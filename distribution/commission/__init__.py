"""Commission (SPEC 10): rules, accrual on payment, settle dates on completion, the settlement
job, proportional reduction on refunds and manual adjustments. Every balance movement goes
through `distribution.ledger.move`, in the transaction of the business operation that caused it.

- `calculation`: pure arithmetic (which rule wins, how much, the cap, what a refund leaves);
- `rules`: the default plan, rules in force, validated replacement of the rule set;
- `accrual`: `OrderPaid` → PENDING entries, `OrderCompleted` → settle_at;
- `settlement`: the `settle-commission` job;
- `refunds`: `ItemRefunded` → CANCEL (pending) or CLAWBACK (available);
- `adjustments`: HQ_FINANCE's manual ADJUST;
- `queries`: entries and balances for the admin and the distribution centre.
"""
