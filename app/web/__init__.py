"""``schedtop web``: the dashboard in a browser, served by textual-serve, every session watching one cluster.

- :mod:`.command` parses the options and runs the whole (``schedtop web --help``);
- :mod:`.shared_engine` runs the one engine the sessions share (``schedtop serve`` as a child on loopback);
- :mod:`.site` is the web server: textual-serve with its page served from the package (no CDN) and a guard
  against DNS rebinding and cross-site WebSockets.
"""
