"""The county link's tables, in the state database: a town's outbox, and what a county hub has received.

Both sides are the same program with the same schema; a town uses the first two tables, a county hub the rest.
"""

from __future__ import annotations

import sqlalchemy as sa

meta = sa.MetaData()
outbox = sa.Table(  # a town's messages not yet acknowledged by the county, oldest first
    "gridhub_county_outbox", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("stream", sa.String(16), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.UniqueConstraint("stream", "seq", name="uq_gridhub_county_outbox_stream_seq"),
)
sequences = sa.Table(  # a town's last sequence given out, per stream: kept when the outbox empties
    "gridhub_county_sequences", meta,
    sa.Column("stream", sa.String(16), primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)
received = sa.Table(  # the county's last sequence stored, per town and stream: what makes a repeat a repeat
    "gridhub_county_received", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(16), primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)
links = sa.Table(  # each town's link as the county last heard it
    "gridhub_county_links", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("last_heard", sa.Float, nullable=False),
    sa.Column("backlog", sa.Integer, nullable=False),
)
alerts = sa.Table(  # each town's alerts as their last transition left them
    "gridhub_county_alerts", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("alert_id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
alert_log = sa.Table(  # every transition received, in each town's order
    "gridhub_county_alert_log", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
cases = sa.Table(  # each town's cases as their last step left them
    "gridhub_county_cases", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
summaries = sa.Table(  # each town's latest figures
    "gridhub_county_summaries", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
directives = sa.Table(  # the county's directives, one row per town they went to, with the town's acknowledgement
    "gridhub_county_directives", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("town", sa.String(64), nullable=False, index=True),
    sa.Column("issued_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("acked_by", sa.String(200)),
    sa.Column("acked_at", sa.Float),
)
directives_in = sa.Table(  # a town's directives from its county, as received and acknowledged
    "gridhub_county_directives_in", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("body", sa.Text, nullable=False),
)
down = sa.Table(  # the county's cases and broadcast requests to each town, numbered per town and stream
    "gridhub_county_down", meta,
    sa.Column("town", sa.String(64), primary_key=True),
    sa.Column("stream", sa.String(16), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
intake = sa.Table(  # cases taken at the county, as they stand
    "gridhub_county_intake", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("town", sa.String(64)),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
intake_steps = sa.Table(  # every step of every county case, in order
    "gridhub_county_intake_steps", meta,
    sa.Column("case_id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),
)
broadcasts = sa.Table(  # the county's broadcast requests, one row per town, with the town's answer and outcome
    "gridhub_county_broadcasts", meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("town", sa.String(64), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
down_in = sa.Table(  # a town's cases and broadcast requests from its county, with what the town did with each
    "gridhub_county_down_in", meta,
    sa.Column("stream", sa.String(16), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
