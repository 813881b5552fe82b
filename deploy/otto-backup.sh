#!/usr/bin/env bash
# /opt/otto/otto-backup.sh — back OTTO up, encrypt the backup for the keyholder, copy it off
# the machine, and keep OTTO_BACKUP_KEEP_DAYS days of local copies. Run by otto-backup.service
# with /etc/otto/otto.env. Needs: age, rsync, ssh (key of the otto user for the backup host),
# postgresql-client of the server's major version (pg_dump).
set -euo pipefail
: "${OTTO_BACKUP_DIR:?}" "${OTTO_BACKUP_RECIPIENT:?}" "${OTTO_BACKUP_REMOTE:?}"
keep_days="${OTTO_BACKUP_KEEP_DAYS:-14}"
umask 077

stamp="$(date -u +%Y-%m-%dT%H%M%SZ)"
folder="$OTTO_BACKUP_DIR/otto-$stamp"
archive="$folder.tar.age"

/opt/otto/venv/bin/flask --app otto backup "$folder"
# Only the encrypted archive leaves the folder: it holds police and tax findings.
tar -C "$OTTO_BACKUP_DIR" -cf - "otto-$stamp" | age --encrypt -r "$OTTO_BACKUP_RECIPIENT" -o "$archive"
rm -rf "$folder"
rsync --archive --partial "$archive" "$OTTO_BACKUP_REMOTE"
find "$OTTO_BACKUP_DIR" -maxdepth 1 -name 'otto-*.tar.age' -mtime +"$keep_days" -delete
echo "Backup $archive copied to $OTTO_BACKUP_REMOTE"
