"""The GraphiQL page of both endpoints, with its assets served by siyu itself.

GraphiQL used to load React, GraphiQL and the explorer plugin from a public CDN: on an intranet
without Internet, or where that CDN is slow (often in mainland China), the page stayed blank.
The pinned builds are vendored under api/static/graphiql/ (versions, checksums and licences in
its README) and mounted at ASSETS_PATH; the page names no other host. The headers editor is on
and remembers its contents, for `{"Authorization": "Bearer <accessToken>"}`.
"""

from __future__ import annotations

import html
from pathlib import Path

ASSETS_DIRECTORY = Path(__file__).resolve().parents[1] / "static" / "graphiql"
ASSETS_PATH = "/static/graphiql"

_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>siyu GraphiQL · __TITLE__</title>
  <style>
    body { height: 100%; margin: 0; width: 100%; overflow: hidden; }
    #graphiql { height: 100vh; display: flex; }
    .graphiql-explorer-actions select { margin-left: 4px; }
  </style>
  <link rel="stylesheet" href="__ASSETS__/graphiql.min.css">
  <link rel="stylesheet" href="__ASSETS__/plugin-explorer.css">
  <script src="__ASSETS__/react.production.min.js"></script>
  <script src="__ASSETS__/react-dom.production.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading...</div>
  <script src="__ASSETS__/graphiql.min.js"></script>
  <script src="__ASSETS__/plugin-explorer.umd.js"></script>
  <script>
    const WELCOME = `# siyu __TITLE__
#
# Log in with the login mutation, then put the access token in the Headers tab below:
#   {"Authorization": "Bearer <accessToken>"}
# Ctrl-Enter runs the query; the Docs and Explorer panes list every field.

{
  __typename
}
`;
    const parameters = new URLSearchParams(window.location.search);

    // The editor's text is kept in the address as `q`: a `query` parameter is a GET request.
    function remember(name, value) {
      if (value) { parameters.set(name, value); } else { parameters.delete(name); }
      history.replaceState(null, "", "?" + parameters.toString());
    }

    const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });
    const explorer = GraphiQLPluginExplorer.explorerPlugin();

    function Page() {
      return React.createElement(GraphiQL, {
        fetcher: fetcher,
        plugins: [explorer],
        defaultQuery: WELCOME,
        query: parameters.get("q") || undefined,
        variables: parameters.get("variables") || undefined,
        onEditQuery: (query) => remember("q", query),
        onEditVariables: (variables) => remember("variables", variables),
        defaultEditorToolsVisibility: true,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: true,
        inputValueDeprecation: true,
      });
    }

    ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Page));
  </script>
</body>
</html>
"""


def graphiql_page(title: str, root_path: str = "") -> str:
    """The page for one endpoint; `root_path` is the ASGI root path behind a path prefix."""
    return _PAGE.replace("__TITLE__", html.escape(title)).replace(
        "__ASSETS__", html.escape(root_path + ASSETS_PATH)
    )
