"""What siyu keeps about the WeChat platform (SPEC 18): access tokens shared by every process,
the 小程序码 images made for links and stores, and the pushed messages already handled.

The protocol itself (HTTP, signatures, AES) is an outside-system adapter in api/wechat/; this
package only holds the state and the guarded updates that make it safe across processes.
"""
