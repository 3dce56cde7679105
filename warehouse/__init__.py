"""The DuckDB warehouse: archive, versioned loads, staging → marts → public views."""
