"""The three panes and the status line of the inspector, one module each."""
