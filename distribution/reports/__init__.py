"""HQ and store reports (SPEC 12): every figure is aggregated in SQL with GROUP BY over indexed
columns, never by loading rows into Python. Each report module builds one statement for both
SQLite and PostgreSQL (dialect differences live in `sql.py`), runs it for the API with a row
bound and window totals, and streams it for CSV exports."""
