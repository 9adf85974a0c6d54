"""Sub-commands of `nianbao`; every public module here registers one or more commands."""
