"""The Plan's Excel template (export and import). Placeholder until the template lands."""

EXPORTACIONES = ()
