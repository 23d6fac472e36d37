"""The WeChat server API adapter: one client for every call (api/wechat/client.py), the
小程序码 maker (codes.py) and the message-push receiver (push.py, crypto.py)."""
