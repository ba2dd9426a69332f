"""The read-only web view of events (pages, a map, Atom and GeoJSON) and the events' exports.

queries.py reads the store; places.py places events on the packaged map; exports.py writes
JSON, CSV, GeoJSON and Atom; app.py serves pages from templates/ and static/.
"""
