"""Market data: schema, sources, validation, catalog, calendars."""
