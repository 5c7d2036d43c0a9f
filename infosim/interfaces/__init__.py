"""User interfaces: the `infosim` command line and the Solara app."""
