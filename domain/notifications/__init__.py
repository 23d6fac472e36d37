"""Notifications (SPEC 19): what members, distributors and staff are told, and how.

A business operation announces a fact (`announce`: one outbox row in its own transaction, so the
payment path pays one insert whatever follows). The `notify.event` sender fans the fact out to
its recipients once committed: subscription messages (`notify.wechat` rows, one per event ×
recipient × template) and staff inbox notices. See fanout.py and quota.py for the rules.
"""
