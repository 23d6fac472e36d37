"""The scene of a poster's 小程序码: the link's code and the template, so that a visit through
a poster is counted for its template.

`<code>.<template id>`: a link code is at most 16 characters of `[A-Za-z0-9_-]`, so the dot
cannot be part of it, and the scene stays within WeChat's 32 visible characters. The
mini-program passes `options.scene` to `recordShareVisit` as it is; a plain link code (a chat
link, the link's own 小程序码) has no template.
"""

from __future__ import annotations

import re

from distribution.links import CODE_MAX_LENGTH

SEPARATOR = "."
MAX_SCENE = 32
_POSTER_SCENE = re.compile(rf"([A-Za-z0-9_-]{{1,{CODE_MAX_LENGTH}}})\.([1-9][0-9]{{0,14}})")


def poster_scene(code: str, template_id: int) -> str:
    scene = f"{code}{SEPARATOR}{template_id}"
    if len(scene) > MAX_SCENE:
        raise ValueError("a poster scene longer than WeChat allows")
    return scene


def parse(scene: str) -> tuple[str, int | None]:
    """(link code, poster template id or None) of a scene or a plain share code."""
    scene = scene.strip()
    matched = _POSTER_SCENE.fullmatch(scene)
    if matched is None:
        return scene, None
    return matched.group(1), int(matched.group(2))
