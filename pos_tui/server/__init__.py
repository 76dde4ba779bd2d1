"""Everything that speaks to the PostgreSQL store server: its schema and numbered migrations,
roles (one per lane, row-level security), the lane's upload of documents and journal rows, the
change feed of catalog, staff and settings, store-wide reports and the per-lane status.

psycopg 3 is used directly here (one connection per caller; the sync worker owns its own).
Nothing outside ``pos_tui.server`` and ``pos_tui.services.sync`` imports psycopg.
"""
