"""Release-day announcements, in parts (no discord here; the adapter is ``bot/delivery.py``).

- ``models``: the stored settings of a server and of a channel;
- ``port``: what a post is, the Poster protocol the Discord adapter implements, its errors;
- ``pacing``: how fast requests go out (Discord's global rate limit);
- ``options``: parsing and checking what admins type (zones, times, platforms, lengths);
- ``channels``: channel and server configuration, and the overview admins see;
- ``run``: one delivery run, from what is due to the ledger;
- ``posts``: the messages a run sends, rendered once and shared.

``bot.planner`` plans purely; ``bot.services.announcements`` wires these parts into the service.
"""
