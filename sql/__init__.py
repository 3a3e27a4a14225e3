"""DuckDB DDL, views and named queries, loaded by sentiflow.tasks.warehouse."""
