"""The DuckDB warehouse: one short writer step at a time, any number of read-only readers."""
