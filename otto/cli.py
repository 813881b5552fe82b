"""Command-line tasks: demo data, real user accounts, the checklist library, and the
scheduled jobs (run by hand, or all of them on their timetable with `scheduler`)."""

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

    _register_jobs(app)
    _register_backup(app)


_NOW_OPTION = click.option(
    "--now", default=None, help="Run as if at this Swedish local time (ISO, e.g. 2026-03-12T07:00)."
)


def _register_jobs(app: Flask) -> None:
    """The scheduled jobs of otto.scheduler as commands, and the scheduler process."""
    from otto import scheduler
    from otto.accounts import tasks as account_tasks
    from otto.inspections import tasks

    @app.cli.command("scheduler")
    @click.option(
        "--once",
        is_flag=True,
        help="Run every job once now, log each outcome and exit (a check after an install "
        "or upgrade; every job is safe to run again).",
    )
    def scheduler_command(once):
        """Run the job scheduler in this process (production: on one or more hosts; on
        PostgreSQL only the leader runs jobs)."""
        if once:
            for job_id in scheduler.JOBS:
                scheduler.run_job(job_id)
            return
        scheduler.log.info("Scheduler running; stop with Ctrl+C.")
        scheduler.run_blocking()

    @app.cli.command("mark-overdue")
    @_NOW_OPTION
    def mark_overdue_command(now):
        """Mark open follow-ups whose deadline has passed as overdue."""
        click.echo(f"Marked overdue: {tasks.mark_overdue(scheduler.parse_now(now))}")

    @app.cli.command("send-reminders")
    @_NOW_OPTION
    def send_reminders_command(now):
        """E-mail the follow-up reminders that are due (each at most once)."""
        click.echo(f"Reminders: {tasks.send_reminders(scheduler.parse_now(now))}")

    @app.cli.command("retry-mail")
    @_NOW_OPTION
    def retry_mail_command(now):
        """Try again the mails that found no SMTP server, when their next attempt is due."""
        click.echo(f"Retried mails: {tasks.retry_mail(scheduler.parse_now(now))}")

    @app.cli.command("weekly-digest")
    @_NOW_OPTION
    def weekly_digest_command(now):
        """E-mail this week's situation picture to the coordinators (once a week each)."""
        click.echo(f"Digests: {tasks.weekly_digest(scheduler.parse_now(now))}")

    @app.cli.command("archive-ended-visits")
    @_NOW_OPTION
    def archive_ended_visits_command(now):
        """Let visits closed longer than WORKING_SET_DAYS ago leave the tablets."""
        click.echo(f"Visits archived: {tasks.archive_ended_visits(scheduler.parse_now(now))}")

    @app.cli.command("apply-retention")
    @_NOW_OPTION
    def apply_retention_command(now):
        """Remove photos and personal details of closed visits past the retention time."""
        stripped = tasks.apply_retention(scheduler.parse_now(now))
        click.echo(f"Visits stripped: {len(stripped)}")
        for visit_id in stripped:
            click.echo(f"  {visit_id}")

    @app.cli.command("prune-read-log")
    @_NOW_OPTION
    def prune_read_log_command(now):
        """Delete read-log events older than the retention time."""
        click.echo(f"Read events deleted: {tasks.prune_read_log(scheduler.parse_now(now))}")

    @app.cli.command("prune-sign-ins")
    @_NOW_OPTION
    def prune_sign_ins_command(now):
        """Delete old web sessions and forgotten login counts."""
        pruned = account_tasks.prune_sign_ins(scheduler.parse_now(now))
        click.echo(f"Sessions deleted: {pruned['sessions']}")
        click.echo(f"Login counts deleted: {pruned['login_counts']}")


def _register_backup(app: Flask) -> None:
    """`backup` and `restore` (see otto.backup)."""
    from pathlib import Path

    from flask import current_app

    from otto import backup
    from otto.inspections.photo_storage import storage_from_config

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(path_type=Path))
    def backup_command(path):
        """Copy the database and the photos into the new folder PATH (safe while the app
        runs)."""
        storage = storage_from_config(current_app.config)
        try:
            manifest = backup.create_backup(path, db.engine, storage)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        rows = sum(manifest["row_counts"].values())
        click.echo(f"Backup in {path}: {rows} rows, {len(manifest['photos'])} photo files.")
        for name in manifest["missing_photo_files"]:
            click.echo(f"  Warning: not in photo storage: {name}", err=True)

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace a database that holds data.")
    def restore_command(path, force):
        """Bring back the backup in PATH (every file is checked against its manifest first).
        Devices must then sync again from the restored state."""
        storage = storage_from_config(current_app.config)
        db.session.remove()
        try:
            manifest = backup.restore_backup(path, db.engine, storage, force=force)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(
            f"Restored the backup of {manifest['created_at']} "
            f"(revision {manifest['alembic_revision']}, {len(manifest['photos'])} photo files). "
            "Run `flask --app otto db upgrade` if this version of OTTO is newer."
        )
