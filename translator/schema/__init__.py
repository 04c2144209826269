"""construct schemas, one module per concept; no I/O. Every byte layout is declared here once."""
