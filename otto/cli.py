"""Command-line tasks: demo data, real user accounts, the checklist library."""

import click
from flask import Flask

from otto.extensions import db


def _print_logins(result: dict) -> None:
    click.echo(f"Demo logins (password for all: {result['password']}):")
    for username, name, role, agency in result["users"]:
        click.echo(f"  {username:<12} {name:<18} {role}{' / ' + agency if agency else ''}")


def register(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the Swedish demo data into an empty database (safe to repeat)."""
        from otto.demo import seed_demo

        result = seed_demo()
        db.session.commit()
        click.echo("Demo data loaded." if result["created"] else "Demo data already present.")
        _print_logins(result)

    @app.cli.command("install-templates")
    def install_templates_command():
        """Install the checklist template library (already installed ones are kept)."""
        from otto.checklists.library import install_library

        versions = install_library()
        db.session.commit()
        for version in versions:
            click.echo(f"  {version.template.key} v{version.version} ({version.status})")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", required=True)
    @click.option("--email", required=True)
    @click.option("--role", type=click.Choice(["admin", "coordinator", "inspector"]), required=True)
    @click.option("--agency", default=None, help="Agency code, required for inspectors.")
    @click.password_option()
    def create_user_command(username, name, email, role, agency, password):
        """Create a user account for a real installation."""
        from otto.accounts.services import create_user, ensure_agencies
        from otto.errors import DomainError

        ensure_agencies()
        try:
            user = create_user(
                None,
                username=username,
                name=name,
                email=email,
                role=role,
                agency=agency,
                password=password,
            )
        except DomainError as error:
            raise click.ClickException(f"{error.message} {error.details}") from None
        db.session.commit()
        click.echo(f"Created {user.role} '{user.username}'.")
