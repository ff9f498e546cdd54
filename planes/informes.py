"""The Plan's reports (PDF). Placeholder until the report lands."""

INFORMES = ()
