"""Shipping info for WeChat (SPEC 18, 小程序发货信息管理): WeChat freezes a managed mini-program's
money until each paid order's fulfilment is uploaded and the buyer confirms receipt.

- `carriers`: the delivery companies a shipment may name (WeChat's `get_delivery_list`, cached
  in `delivery_company`; a built-in short list while the cache is empty).
- `packages`: what staff give `shipOrder` (up to 15 packages), checked before anything changes.
- `uploads`: the upload written to the outbox in the fulfilling transaction (one insert), and
  what the sender reads to build WeChat's request when it sends it.
- `settlement`: WeChat's confirm-receipt / settlement, recorded on the order; with
  `wechat.shipping_management` on it completes the order and auto-complete waits for it.
"""
