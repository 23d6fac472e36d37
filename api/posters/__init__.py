"""Share posters at the edge (SPEC 18): fetching the images a poster shows without ever
becoming a proxy to anywhere (`fetcher.py`), and making a distributor's poster (`maker.py`).
The templates, the composition and the cache are in distribution/posters."""
