"""Views of a decoded message: text, JSON (and later XML and the TUI); none reads bytes itself."""
