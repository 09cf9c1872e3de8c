"""The county: town hubs linked to a county hub over HTTPS with mutual TLS.

`config` holds the county file and a town file's `county:` link; `messages` what crosses the link; `inbox` the
county's rule for what is new in a batch; `upload` what a town's alerts, cases and figures become on their way up
(masked); `linkage` the warnings an upstream river alert gives the towns below; `directives` the county's
directives as the town's console sees them; `intake` the county's cases routed to towns and its broadcast requests
(the rules); `work` the same at the town, as its console sees them; `tls` the county CA. The edges (the town's
outbox, directive and work boxes and sender, the county's server, stores and view) are in adapters.county.
"""
