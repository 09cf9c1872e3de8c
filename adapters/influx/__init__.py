"""The InfluxDB sink: every reading also written as line protocol, spooled to disk so none is lost."""
