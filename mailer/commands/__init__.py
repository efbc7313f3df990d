"""CLI subcommands, one module each; registered in mailer.cli.COMMANDS."""
