"""Share posters (海报, SPEC 18): HQ's templates, the images they are made of, the posters
composed for each distributor's link, and the funnel per template.

A template is a background HQ uploaded (kept in the database: `PosterImage`, the service's own
storage) and boxes saying where the product image, the title, the member price, the sharer's
nickname and avatar and the 小程序码 go. A distributor's poster of one link and one template
is composed once (Pillow, `compose.py`) and kept in `PosterRender` under a fingerprint of
everything drawn on it, so it is rebuilt exactly when something on it changes (the template's
version, the price, the title, an image, the nickname). The 小程序码 on a poster carries the
template in its scene (`scenes.py`), so visits, bindings and orders are counted per template.
"""
